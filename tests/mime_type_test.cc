// Tests for lib/mime_type.cc: Go's type_test.go cases that apply
// (TestTypeByExtension on its testdata/test.types, _LocalData, Case), Go's
// setExtensionType answers for odd types (from running Go 1.19's
// mime.AddExtensionType), and mime.types parsing on temporary files, so
// nothing depends on this machine's /etc/mime.types.
#include "nethttp/mime_type.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "internal/mime_type.h"

using nethttp::MimeTypes;
using nethttp::NewMimeTypes;

namespace {

// TempFile writes text to a fresh file and removes it when it goes.
class TempFile {
 public:
  explicit TempFile(const std::string& text) {
    char name[] = "/tmp/mime_type_test.XXXXXX";
    int fd = mkstemp(name);
    REQUIRE(fd >= 0);
    close(fd);
    path_ = name;
    std::ofstream(path_) << text;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace

TEST_SUITE("mime_type") {
  TEST_CASE("TestTypeByExtension: Go's testdata/test.types") {
    // Go's file, byte for byte (comment lines, a blank line, a line that
    // starts with a space, comments after the extensions).
    TempFile f(
        "# Copyright 2010 The Go Authors. All rights reserved.\n"
        "# Use of this source code is governed by a BSD-style\n"
        "# license that can be found in the LICENSE file.\n"
        "\n"
        "\n"
        " # mime package test\n"
        "application/test\tt1\t# Simple test\n"
        "text/test\t\tt2\t# Text test\n");
    MimeTypes t = NewMimeTypes(f.path());
    CHECK(t.TypeByExtension(".T1") == "application/test");
    CHECK(t.TypeByExtension(".t2") == "text/test; charset=utf-8");
    CHECK(t.TypeByExtension(".png") == "image/png");
    CHECK(t.TypeByExtension(".Simple") == "");  // after "#": a comment
  }

  TEST_CASE("TestTypeByExtension_LocalData") {
    MimeTypes t;
    CHECK(t.SetExtensionType(".foo", "x/foo"));
    CHECK(t.SetExtensionType(".bar", "x/bar"));
    CHECK(t.SetExtensionType(".Bar", "x/bar; capital=1"));
    CHECK(t.TypeByExtension(".foo") == "x/foo");
    CHECK(t.TypeByExtension(".bar") == "x/bar");
    CHECK(t.TypeByExtension(".Bar") == "x/bar; capital=1");
    CHECK(t.TypeByExtension(".sdlkfjskdlfj") == "");
    CHECK(t.TypeByExtension(".t1") == "");  // testdata shouldn't be used
  }

  TEST_CASE("TestTypeByExtensionCase: exact first, then lowered") {
    const std::string custom = "test/test; charset=iso-8859-1";
    const std::string caps = "test/test; WAS=ALLCAPS";
    MimeTypes t;
    CHECK(t.SetExtensionType(".TEST", caps));
    CHECK(t.SetExtensionType(".tesT", custom));
    CHECK(t.TypeByExtension(".tesT") == custom);
    CHECK(t.TypeByExtension(".TEST") == caps);
    CHECK(t.TypeByExtension(".TesT") == custom);  // the lowered entry is the last set
  }

  TEST_CASE("SetExtensionType: what Go 1.19's setExtensionType stores") {
    struct Case {
      std::string type;
      bool ok;
      std::string want;
    };
    const std::vector<Case> cases = {
        {"text/plain;format=flowed", true, ""},  // Go formats the whole string as a type: ""
        {"text/plain;charset=latin1", true, "text/plain;charset=latin1"},
        {"TEXT/Plain", true, "TEXT/Plain"},  // "text/" is matched case-sensitively
        {"text/X-Foo", true, "text/x-foo; charset=utf-8"},
        {"a/b/c", false, ""},
        {"a", true, "a"},
        {"a/", false, ""},
        {"a/b;", true, "a/b;"},  // a trailing ";" is fine
        {"a/b; x=1; X=2", false, ""},  // duplicate parameter name
        {"a/b; x=\"q;\\\"v\"", true, "a/b; x=\"q;\\\"v\""},
        {"a/b; x=\"open", false, ""},
        {"a/b; x", false, ""},
        {"text/{x}", true, "text/{x}; charset=utf-8"},  // '{' is a MIME token byte
        {"text/plain; charset=\"\"", true, ""},
        {" text/plain", true, " text/plain"},
        {"", false, ""},
    };
    for (const Case& c : cases) {
      CAPTURE(c.type);
      MimeTypes t;
      CHECK(t.SetExtensionType(".x", c.type) == c.ok);
      CHECK(t.TypeByExtension(".x") == c.want);
    }
  }

  TEST_CASE("LoadMimeFile: Debian's format; the built-in table wins") {
    TempFile f(
        "# a comment\n"
        "application/xml\t\t\t\txml xsd\n"  // Go 1.19 would let this win for .xml
        "text/plain\t\t\t\ttxt text HTML\n"  // .HTML is a built-in extension too
        "a/one\tdup\n"
        "a/two\tdup\n"  // a later line wins
        "a/b/c\tbad\n"  // not a media type: skipped
        "lonely\n"
        "image/x-thing  thing   # thing2\n"
        "\tVideo/Mixed\tMiXeD\n");
    MimeTypes t = NewMimeTypes(f.path());
    CHECK(t.TypeByExtension(".xml") == "text/xml; charset=utf-8");
    CHECK(t.TypeByExtension(".xsd") == "application/xml");
    CHECK(t.TypeByExtension(".txt") == "text/plain; charset=utf-8");
    CHECK(t.TypeByExtension(".TXT") == "text/plain; charset=utf-8");
    CHECK(t.TypeByExtension(".text") == "text/plain; charset=utf-8");
    CHECK(t.TypeByExtension(".HTML") == "text/html; charset=utf-8");
    CHECK(t.TypeByExtension(".dup") == "a/two");
    CHECK(t.TypeByExtension(".bad") == "");
    CHECK(t.TypeByExtension(".thing") == "image/x-thing");
    CHECK(t.TypeByExtension(".thing2") == "");
    CHECK(t.TypeByExtension(".MiXeD") == "Video/Mixed");
    CHECK(t.TypeByExtension(".mixed") == "Video/Mixed");
    CHECK(t.TypeByExtension("xml") == "");  // the dot is part of the key
    CHECK(t.TypeByExtension("") == "");
  }

  TEST_CASE("NewMimeTypes without a file is Go's built-in table") {
    MimeTypes t = NewMimeTypes("/nonexistent/mime.types");
    CHECK(!MimeTypes().LoadMimeFile("/nonexistent/mime.types"));
    CHECK(t.TypeByExtension(".html") == "text/html; charset=utf-8");
    CHECK(t.TypeByExtension(".HtML") == "text/html; charset=utf-8");
    CHECK(t.TypeByExtension(".js") == "text/javascript; charset=utf-8");
    CHECK(t.TypeByExtension(".avif") == "image/avif");
    CHECK(t.TypeByExtension(".wasm") == "application/wasm");
    CHECK(t.TypeByExtension(".txt") == "");
  }

  TEST_CASE("TypeByExtension: built-in answers, the same from every thread") {
    // Only built-in entries: they do not depend on this machine's file.
    std::vector<std::thread> threads;
    std::vector<std::string> got(8);
    for (size_t i = 0; i < got.size(); ++i) {
      threads.emplace_back([&got, i] { got[i] = nethttp::TypeByExtension(i % 2 ? ".HTML" : ".html"); });
    }
    for (std::thread& t : threads) t.join();
    for (const std::string& g : got) CHECK(g == "text/html; charset=utf-8");
    CHECK(nethttp::TypeByExtension(".json") == "application/json");
    CHECK(nethttp::TypeByExtension(".svg") == "image/svg+xml");
    CHECK(nethttp::TypeByExtension(".no-such-extension") == "");
  }
}
