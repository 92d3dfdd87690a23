// Tests for lib/stream_body.cc: Body's contract (one Read, Pause and Resume,
// Close, on_end once and after every byte) as a connection drives it, with a
// fake Source standing for the connection. The server and the client both
// feed their bodies through this one class, so these are the rules both obey.
#include "internal/stream_body.h"

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "testutil/fake_source.h"

using nethttp::Error;
using nethttp::ErrorCode;
using nethttp::Header;
using nethttp::kMaxBufferedBodyBytes;
using nethttp::StreamBody;
using nethttp::testutil::FakeSource;

namespace {

// Reader records the callbacks a body makes, in order: "d:<bytes>" for each
// on_data, "e:<ErrorCodeName>" for on_end.
struct Reader {
  std::vector<std::string> events;
  std::string data;  // every on_data byte, joined
  int ends = 0;
  Error end_err;

  void Start(StreamBody& b) {
    b.Read([this](std::string_view s) { OnData(s); }, [this](Error err) { OnEnd(std::move(err)); });
  }
  void OnData(std::string_view s) {
    events.push_back("d:" + std::string(s));
    data.append(s);
  }
  void OnEnd(Error err) {
    events.push_back("e:" + std::string(nethttp::ErrorCodeName(err.code())));
    ++ends;
    end_err = std::move(err);
  }
};

std::shared_ptr<StreamBody> NewBody(FakeSource* src) { return std::make_shared<StreamBody>(src); }

}  // namespace

TEST_SUITE("stream_body") {
  TEST_CASE("bytes that arrive before Read wait for it, then come in order, and the end after them") {
    FakeSource src;
    auto b = NewBody(&src);
    Reader r;
    b->Deliver("ab");
    b->Deliver("cd");
    CHECK(r.events.empty());
    r.Start(*b);
    CHECK(r.data == "abcd");
    CHECK(r.ends == 0);  // the source has not ended the body
    b->Deliver("ef");
    b->End(Error(), Header());
    CHECK(r.data == "abcdef");
    REQUIRE(r.ends == 1);
    CHECK(r.end_err.ok());
    CHECK(r.events.back() == "e:Ok");
  }

  TEST_CASE("a reader that is keeping up gets each delivery as its own on_data") {
    FakeSource src;
    auto b = NewBody(&src);
    Reader r;
    r.Start(*b);
    b->Deliver("one");
    b->Deliver("two");
    CHECK(r.events == std::vector<std::string>{"d:one", "d:two"});
  }

  TEST_CASE("a body that ended before Read is read whole, then ends") {
    FakeSource src;
    auto b = NewBody(&src);
    b->Deliver("all of it");
    b->End(Error(), Header());
    Reader r;
    r.Start(*b);
    CHECK(r.events == std::vector<std::string>{"d:all of it", "e:Ok"});
  }

  TEST_CASE("an empty body ends without on_data") {
    FakeSource src;
    auto b = NewBody(&src);
    Reader r;
    r.Start(*b);
    b->Deliver("");  // (nothing: a source may pass an empty piece)
    b->End(Error(), Header());
    CHECK(r.events == std::vector<std::string>{"e:Ok"});
  }

  TEST_CASE("End with an error after data: the data first, then the error (never a clean end)") {
    SUBCASE("the data was buffered, not yet read") {
      FakeSource src;
      auto b = NewBody(&src);
      b->Deliver("partial");
      b->End(Error(ErrorCode::kUnexpectedEof, "cut"), Header());
      Reader r;
      r.Start(*b);
      CHECK(r.events == std::vector<std::string>{"d:partial", "e:UnexpectedEof"});
      CHECK(r.end_err.message() == "cut");
    }
    SUBCASE("the reader is paused: the end waits for the data") {
      FakeSource src;
      auto b = NewBody(&src);
      Reader r;
      r.Start(*b);
      b->Pause();
      b->Deliver("held");
      b->End(Error(ErrorCode::kBadRequest, "bad chunk"), Header());
      CHECK(r.events.empty());
      b->Resume();
      CHECK(r.events == std::vector<std::string>{"d:held", "e:BadRequest"});
    }
  }

  TEST_CASE("Pause holds deliveries back until Resume; each tells the source") {
    FakeSource src;
    auto b = NewBody(&src);
    Reader r;
    r.Start(*b);
    CHECK(src.updates == 1);  // Read: the source may start reading
    b->Deliver("a");
    b->Pause();
    CHECK(src.updates == 2);
    b->Deliver("b");
    b->Deliver("c");
    CHECK(r.data == "a");
    b->Resume();
    CHECK(src.updates == 3);
    CHECK(r.data == "abc");
    b->Deliver("d");
    CHECK(r.data == "abcd");
  }

  TEST_CASE("Abort: a paused reader gets the error now, and what was buffered is dropped") {
    FakeSource src;
    auto b = NewBody(&src);
    Reader r;
    r.Start(*b);
    b->Deliver("a");
    b->Pause();
    b->Deliver("b");
    b->Abort(Error(ErrorCode::kCanceled, "http: request body read after the response finished"));
    CHECK(r.events == std::vector<std::string>{"d:a", "e:Canceled"});
    b->Resume();  // nothing more
    CHECK(r.ends == 1);
    CHECK(r.data == "a");
  }

  TEST_CASE("Pause from inside on_data stops the rest of a drain") {
    FakeSource src;
    auto b = NewBody(&src);
    Reader r;
    int calls = 0;
    b->Read(
        [&](std::string_view s) {
          ++calls;
          r.OnData(s);
          b->Pause();
        },
        [&](Error err) { r.OnEnd(std::move(err)); });
    b->Deliver("x");
    b->Deliver("y");  // arrives paused
    b->End(Error(), Header());
    CHECK(calls == 1);
    CHECK(r.ends == 0);
    b->Resume();  // delivers "y", which pauses again: the end still waits
    CHECK(calls == 2);
    CHECK(r.data == "xy");
    CHECK(r.ends == 0);
    b->Resume();
    CHECK(r.ends == 1);
  }

  TEST_CASE("WantsMore: the source reads on while the reader keeps up, up to kMaxBufferedBodyBytes") {
    FakeSource src;
    auto b = NewBody(&src);
    // Nobody reads yet: a buffer's worth is taken, then no more.
    CHECK(b->WantsMore());
    b->Deliver(std::string(kMaxBufferedBodyBytes - 1, 'x'));
    CHECK(b->WantsMore());
    b->Deliver("x");
    CHECK_FALSE(b->WantsMore());
    // Reading drains the buffer: room again.
    Reader r;
    r.Start(*b);
    CHECK(r.data.size() == kMaxBufferedBodyBytes);
    CHECK(b->WantsMore());
    // A paused reader wants nothing, however empty its buffer.
    b->Pause();
    CHECK_FALSE(b->WantsMore());
    b->Resume();
    CHECK(b->WantsMore());
    b->Close();
    CHECK_FALSE(b->WantsMore());
  }

  TEST_CASE("Close tells the source once, drops what was buffered, and no callback follows") {
    FakeSource src;
    auto b = NewBody(&src);
    Reader r;
    r.Start(*b);
    b->Pause();
    b->Deliver("never seen");
    CHECK_FALSE(b->closed());
    b->Close();
    CHECK(src.abandoned == 1);
    CHECK(b->closed());
    b->Resume();
    b->Deliver("late");
    b->End(Error(), Header());
    b->Close();
    CHECK(src.abandoned == 1);
    CHECK(r.events.empty());
  }

  TEST_CASE("Close from inside on_data: no more data, no end") {
    FakeSource src;
    auto b = NewBody(&src);
    Reader r;
    b->Read(
        [&](std::string_view s) {
          r.OnData(s);
          b->Close();
        },
        [&](Error err) { r.OnEnd(std::move(err)); });
    b->Deliver("first");
    b->Deliver("second");
    b->End(Error(), Header());
    CHECK(r.events == std::vector<std::string>{"d:first"});
    CHECK(src.abandoned == 1);
  }

  TEST_CASE("Close from inside on_data while draining a buffer: the rest is dropped") {
    FakeSource src;
    auto b = NewBody(&src);
    b->Deliver("buffered");
    b->End(Error(), Header());  // (the source is gone: nobody to tell)
    Reader r;
    b->Read(
        [&](std::string_view s) {
          r.OnData(s);
          b->Close();
        },
        [&](Error err) { r.OnEnd(std::move(err)); });
    CHECK(r.events == std::vector<std::string>{"d:buffered"});
    CHECK(src.abandoned == 0);
  }

  TEST_CASE("a body dropped before its end tells its source; one that ended does not") {
    FakeSource src;
    NewBody(&src).reset();
    CHECK(src.abandoned == 1);
    FakeSource done;
    {
      auto b = NewBody(&done);
      b->End(Error(), Header());
    }
    CHECK(done.abandoned == 0);
  }

  TEST_CASE("after End the source hears nothing more from the body") {
    FakeSource src;
    auto b = NewBody(&src);
    b->End(Error(), Header());
    Reader r;
    r.Start(*b);
    b->Pause();
    b->Resume();
    b->Close();
    CHECK(src.updates == 0);
    CHECK(src.abandoned == 0);
    CHECK(r.events == std::vector<std::string>{"e:Ok"});
  }

  TEST_CASE("one Read only: a second one is refused, the first keeps the body") {
    FakeSource src;
    auto b = NewBody(&src);
    Reader first, second;
    first.Start(*b);
    second.Start(*b);
    CHECK(second.events == std::vector<std::string>{"e:InvalidArgument"});
    b->Deliver("mine");
    b->End(Error(), Header());
    CHECK(first.events == std::vector<std::string>{"d:mine", "e:Ok"});
    CHECK(second.ends == 1);
  }

  TEST_CASE("Read after Close is refused") {
    FakeSource src;
    auto b = NewBody(&src);
    b->Close();
    Reader r;
    r.Start(*b);
    CHECK(r.events == std::vector<std::string>{"e:InvalidArgument"});
  }

  TEST_CASE("read_started and closed") {
    FakeSource src;
    auto b = NewBody(&src);
    CHECK_FALSE(b->read_started());
    CHECK_FALSE(b->closed());
    b->Deliver("x");
    CHECK_FALSE(b->read_started());  // a delivery is not a read
    Reader r;
    r.Start(*b);
    CHECK(b->read_started());
    CHECK_FALSE(b->closed());
    b->End(Error(), Header());
    CHECK_FALSE(b->closed());  // read to its end, not closed early
    b->Close();
    CHECK_FALSE(b->closed());

    FakeSource src2;
    auto unread = NewBody(&src2);
    unread->Close();
    CHECK(unread->closed());
    CHECK_FALSE(unread->read_started());
  }

  TEST_CASE("the trailer is there when on_end runs") {
    FakeSource src;
    auto b = NewBody(&src);
    std::string seen;
    b->Read([](std::string_view) {}, [&](Error err) {
      CHECK(err.ok());
      seen = std::string(b->Trailer().Get("X-Checksum"));
    });
    CHECK(b->Trailer().empty());
    Header trailer;
    trailer.Set("X-Checksum", "abc123");
    b->Deliver("body");
    b->End(Error(), std::move(trailer));
    CHECK(seen == "abc123");
  }

  TEST_CASE("a reader may drop its last reference to the body from on_end") {
    // The connection holds the body only until End; a handler's callback
    // that lets go of its own reference must not pull the body out from
    // under the call (ASan would see it).
    FakeSource src;
    auto b = NewBody(&src);
    StreamBody* raw = b.get();
    int ends = 0;
    b->Read([](std::string_view) {}, [&](Error) {
      ++ends;
      b.reset();
    });
    raw->Deliver("x");
    raw->End(Error(), Header());
    CHECK(ends == 1);
    CHECK(b == nullptr);
  }
}
