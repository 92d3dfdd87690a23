// post-json: the seed's client as a command line. It POSTs a JSON body built
// from httpie-style items (fields.cc) through one nethttp Client on one loop
// and streams the answer to stdout, or with --repeat sends it N times, at
// most C in flight, and prints summary.cc's lines. Contract: SPEC §3.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include <poll.h>
#include <unistd.h>

#include "fields.h"
#include "nethttp/client.h"
#include "nethttp/dump.h"
#include "nethttp/header.h"
#include "nethttp/loop.h"
#include "nethttp/request.h"
#include "nethttp/response.h"
#include "nethttp/tls.h"
#include "nethttp/transport.h"
#include "nethttp/version.h"
#include "summary.h"

namespace {

// Exit statuses (SPEC §3).
constexpr int kExitOk = 0;          // a response with status < 400
constexpr int kExitHttpError = 1;   // status >= 400 (body still printed), or stdout failed
constexpr int kExitUsage = 2;       // bad usage or input; nothing was sent
constexpr int kExitTransport = 3;   // refused, DNS, timeout, malformed or cut-short response

constexpr char kFooter[] = R"(URL:
  http[s]://host[:port]/path; ":8091/echo" means http://localhost:8091/echo and
  "host:port/path" means http://host:port/path. https verifies the server
  against the system's CAs (/etc/ssl/certs) plus --cacert. HTTP_PROXY,
  HTTPS_PROXY and NO_PROXY choose a proxy as Go's DefaultTransport does.
Items:
  key=value   string field      key:=json   raw JSON value (validated)
  Fields form one JSON object, in the order given; no items send {}. In a
  key, '\' escapes '=', ':' and '\' (a\=b=c is key "a=b"); the value is
  everything after the first separator, verbatim. A key given twice is
  refused. Use -H for headers and --data for a body that is not an object.
Exit status:
  0 status < 400; 1 status >= 400 (body still printed) or stdout could not be
  written; 2 bad usage or input (nothing is sent); 3 transport failure
  (refused, DNS, timeout, TLS handshake or certificate refused, malformed
  or cut-short response).
  With --repeat: 0 if every request got a whole response with status < 400,
  3 if every request failed in transport, 1 otherwise. --timeout applies to
  each request. Bodies are read and discarded; the summary goes to stdout.)";

// PrintError writes the one stderr line every failure gets.
void PrintError(const std::string& msg) { std::fprintf(stderr, "post-json: %s\n", msg.c_str()); }

int Fail(int code, const std::string& msg) {
  PrintError(msg);
  return code;
}

// kMaxCount bounds -n and -c: far beyond any useful run, and it keeps
// CLI11's range message short (its default bound is the largest double).
constexpr size_t kMaxCount = 1'000'000'000;

// NonNegativeSeconds accepts --timeout values like 2, 0.5 or 0.
CLI::Validator NonNegativeSeconds() {
  return CLI::Validator(
      [](std::string& s) -> std::string {
        try {
          size_t used = 0;
          double v = std::stod(s, &used);
          if (used == s.size() && v >= 0 && v <= 1e9) return {};
        } catch (const std::exception&) {
        }
        return "expected a number of seconds >= 0, got \"" + s + "\"";
      },
      "");
}

struct Options {
  std::string url;
  std::vector<std::string> items;
  std::string data;
  std::vector<std::string> headers;
  double timeout_sec = 0;
  bool verbose = false;
  size_t repeat = 0;  // 0: one request, body to stdout
  size_t concurrency = 1;
  // TLS (https URLs only).
  std::string cacert;
  bool insecure = false;
  std::string cert;
  std::string key;
};

// TlsConfigFrom builds the Transport's TLS settings from the flags, reading
// the files now: a missing or unreadable one is bad input (exit 2), found
// before any connection is made.
nethttp::Result<std::shared_ptr<nethttp::TLSConfig>> TlsConfigFrom(const Options& o) {
  auto config = std::make_shared<nethttp::TLSConfig>();
  config->insecure_skip_verify = o.insecure;
  if (!o.cacert.empty()) {
    std::ifstream file(o.cacert);
    std::string pem((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    if (!file && !file.eof()) {
      return nethttp::Error(nethttp::ErrorCode::kInvalidArgument,
                            "--cacert: cannot read \"" + o.cacert + "\": " + std::strerror(errno));
    }
    if (pem.find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
      return nethttp::Error(nethttp::ErrorCode::kInvalidArgument,
                            "--cacert: no PEM certificate in \"" + o.cacert + "\"");
    }
    config->root_ca_files.push_back(o.cacert);
  }
  if (!o.cert.empty()) {
    nethttp::Result<nethttp::Certificate> cert = nethttp::LoadX509KeyPair(o.cert, o.key);
    if (!cert.ok()) return nethttp::Error(cert.error().code(), "--cert/--key: " + cert.error().message());
    config->certificates.push_back(std::move(*cert));
  }
  return config;
}

// PrintHead writes a head to stderr for -v, curl's way: "> " before each
// request line, "< " before each response line, an empty marker line after.
void PrintHead(char marker, const std::string& head) {
  size_t pos = 0;
  while (pos < head.size()) {
    size_t eol = head.find("\r\n", pos);
    if (eol == std::string::npos) eol = head.size();
    if (eol == pos) break;  // the blank line ending the head
    std::fprintf(stderr, "%c %.*s\n", marker, static_cast<int>(eol - pos), head.data() + pos);
    pos = eol + 2;
  }
  std::fprintf(stderr, "%c\n", marker);
}

// PrintRequestHead shows the head the Transport sends: DumpRequestOut
// writes it with the Transport's own serialiser and the fields it adds
// (User-Agent, Accept-Encoding: gzip), and our Transport has the defaults
// it assumes. The body is left out, so a file being streamed is not read.
void PrintRequestHead(const nethttp::Request& req) {
  nethttp::Result<std::string> head = nethttp::DumpRequestOut(req, false);
  if (!head.ok()) return;  // the round trip fails the same way, and reports it
  PrintHead('>', *head);
}

// PrintResponseHead shows the response head as Go's DumpResponse writes it:
// the framing first (Content-Length, Transfer-Encoding), then the fields in
// the order they came. The body is not touched; it streams to stdout.
void PrintResponseHead(const nethttp::Response& resp) {
  nethttp::Result<std::string> head = nethttp::DumpResponse(resp, false);
  if (head.ok()) PrintHead('<', *head);
}

// WriteStdout writes one body chunk to fd 1 before returning, so output
// streams as it arrives. The write blocks while stdout is slow, and that is
// the backpressure: meanwhile the loop does not read the socket, the
// kernel's receive buffer fills and TCP flow control stops the server. Only
// the chunk in hand is held, so a body larger than memory passes through. A
// stdout left non-blocking by whoever started us is waited for with poll.
// It returns 0 or the errno of the failed write.
int WriteStdout(std::string_view chunk) {
  while (!chunk.empty()) {
    ssize_t n = ::write(STDOUT_FILENO, chunk.data(), chunk.size());
    if (n >= 0) {
      chunk.remove_prefix(static_cast<size_t>(n));
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      pollfd pfd{STDOUT_FILENO, POLLOUT, 0};
      ::poll(&pfd, 1, -1);
    } else if (errno != EINTR) {
      return errno;
    }
  }
  return 0;
}

// SendOnce runs one exchange: the body goes to stdout as it arrives.
int SendOnce(nethttp::Loop& loop, nethttp::Client& client, nethttp::Transport& transport,
             nethttp::Request req, bool verbose) {
  int exit_code = kExitTransport;
  // The Body must outlive its callbacks (the connection holds it weakly), so
  // it is kept here rather than captured by its own on_end.
  std::shared_ptr<nethttp::Body> body;
  bool stdout_failed = false;
  if (verbose) PrintRequestHead(req);
  client.Do(std::move(req), [&](nethttp::Result<nethttp::Response> r) {
    if (nethttp::Error err = r.error()) {
      exit_code = Fail(kExitTransport, err.message());
      transport.CloseIdleConnections();
      return;
    }
    nethttp::Response& resp = r.value();
    if (verbose) PrintResponseHead(resp);
    int status_exit = resp.status_code >= 400 ? kExitHttpError : kExitOk;
    body = resp.body;
    body->Read(
        [&, status_exit](std::string_view chunk) {
          if (stdout_failed) return;
          int err = WriteStdout(chunk);
          if (err == 0) return;
          stdout_failed = true;
          // EPIPE: the reader left (post-json ... | head): not worth a
          // message, and the response itself was fine.
          exit_code = err == EPIPE ? status_exit
                                   : Fail(kExitHttpError, std::string("write stdout: ") +
                                                              std::strerror(err));
          body->Close();  // abandons the rest; on_end is not called
          transport.CloseIdleConnections();
        },
        [&, status_exit](nethttp::Error err) {
          exit_code = err ? Fail(kExitTransport, err.message()) : status_exit;
          transport.CloseIdleConnections();
        });
  });
  loop.Run();
  return exit_code;
}

// Repeater sends the request N times through one Client, at most C in
// flight, callback style on the loop. New requests are started from an idle
// handle rather than from inside the previous request's callbacks, so no
// Body is released while one of its own methods is still on the stack.
class Repeater {
 public:
  Repeater(nethttp::Loop& loop, nethttp::Client& client, nethttp::Transport& transport,
           nethttp::Request request, size_t total, size_t concurrency)
      : client_(client), transport_(transport), request_(std::move(request)),
        total_(total), concurrency_(concurrency) {
    uv_idle_init(loop.get(), &idle_);
    idle_.data = this;
  }

  void Run(nethttp::Loop& loop) {
    start_ = uv_hrtime();
    Kick();
    loop.Run();
    if (!uv_is_closing(reinterpret_cast<uv_handle_t*>(&idle_))) {
      // The loop ran dry with requests unaccounted for (a lost callback):
      // report what we have rather than hang or leak the handle.
      end_ = uv_hrtime();
      for (; finished_ < total_; ++finished_) summary_.AddFailure("request lost (no callback)");
      uv_close(reinterpret_cast<uv_handle_t*>(&idle_), nullptr);
      loop.Run();
    }
  }

  const postjson::Summary& summary() const { return summary_; }
  postjson::Latency elapsed() const { return postjson::Latency(end_ - start_); }

 private:
  // Flight is one request in the air; its body is kept until it ends.
  struct Flight {
    uint64_t start;
    std::shared_ptr<nethttp::Body> body;
  };

  void Kick() { uv_idle_start(&idle_, [](uv_idle_t* h) { static_cast<Repeater*>(h->data)->Pump(); }); }

  void Pump() {
    retired_.clear();
    while (in_flight_ < concurrency_ && started_ < total_) Launch();
    if (finished_ == total_) {
      end_ = uv_hrtime();
      uv_close(reinterpret_cast<uv_handle_t*>(&idle_), nullptr);
      // The pool's kept-alive connections would hold the loop open.
      transport_.CloseIdleConnections();
    } else {
      // C requests are in flight (or all N started): nothing to do until
      // one finishes and Kick()s again. An idle handle left running would
      // make the loop poll without blocking, spinning a core.
      uv_idle_stop(&idle_);
    }
  }

  void Launch() {
    ++started_;
    ++in_flight_;
    auto flight = std::make_shared<Flight>(Flight{uv_hrtime(), nullptr});
    client_.Do(request_, [this, flight](nethttp::Result<nethttp::Response> r) {
      if (!r.ok()) {
        Finish(r.error().message());
        return;
      }
      int status = r->status_code;
      flight->body = r->body;
      // Read to the end and discard, so the connection goes back to the pool.
      flight->body->Read([](std::string_view) {}, [this, flight, status](nethttp::Error err) {
        retired_.push_back(std::move(flight->body));
        if (err) {
          Finish(err.message());
          return;
        }
        summary_.AddResponse(status, postjson::Latency(uv_hrtime() - flight->start));
        Finish({});
      });
    });
  }

  void Finish(const std::string& failure) {
    if (!failure.empty()) summary_.AddFailure(failure);
    --in_flight_;
    ++finished_;
    Kick();
  }

  nethttp::Client& client_;
  nethttp::Transport& transport_;
  const nethttp::Request request_;
  const size_t total_;
  const size_t concurrency_;
  uv_idle_t idle_;
  size_t started_ = 0;
  size_t in_flight_ = 0;
  size_t finished_ = 0;
  uint64_t start_ = 0;
  uint64_t end_ = 0;
  std::vector<std::shared_ptr<nethttp::Body>> retired_;  // ended; freed by the next Pump
  postjson::Summary summary_;
};

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"post-json: POST a JSON body and print the response (nethttp client)",
               "post-json"};
  app.add_option("URL", o.url, "http[s]://host[:port]/path, :PORT/path or host:port/path")
      ->required()
      ->type_name("");
  app.add_option("items", o.items, "key=value (string) or key:=json (raw JSON value)")
      ->type_name("");
  CLI::Option* data = app.add_option(
      "-d,--data", o.data, "raw JSON body instead of items; @FILE reads a file, - reads stdin")
      ->type_name("JSON");
  app.add_option("-H,--header", o.headers, "extra request header \"Name: value\" (repeatable)")
      ->allow_extra_args(false)
      ->type_name("\"N: v\"");
  app.add_option("--timeout", o.timeout_sec,
                 "limit in seconds for the whole exchange, body included (0: none)")
      ->check(NonNegativeSeconds())
      ->type_name("SEC");
  app.add_flag("-v,--verbose", o.verbose, "request and response head to stderr (with --repeat: the request's, once)");
  CLI::Option* repeat = app.add_option("-n,--repeat", o.repeat,
                                       "send the request N times through one Client; print a summary")
                            ->check(CLI::Range(size_t{1}, kMaxCount).description(""))
                            ->type_name("N");
  app.add_option("-c,--concurrency", o.concurrency,
                 "at most C requests in flight and C connections (with --repeat)")
      ->check(CLI::Range(size_t{1}, kMaxCount).description(""))
      ->type_name("C")
      ->needs(repeat);
  app.add_option("--cacert", o.cacert, "also trust the CA certificates in this PEM file (https)")
      ->type_name("FILE");
  app.add_flag("-k,--insecure", o.insecure,
               "accept any server certificate (https; for tests: anyone in the middle can read all)");
  CLI::Option* cert = app.add_option("--cert", o.cert, "client certificate chain, PEM (https, with --key)")
                          ->type_name("FILE");
  CLI::Option* key = app.add_option("--key", o.key, "the client certificate's private key, PEM")
                         ->type_name("FILE");
  cert->needs(key);
  key->needs(cert);
  app.set_version_flag("--version", "post-json " + std::string(nethttp::kVersion));
  app.footer(kFooter);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return Fail(kExitUsage, std::string(e.what()) + " (see --help)");
  }

  // Everything the user typed is checked before the loop runs: bad input
  // never opens a connection.
  nethttp::Result<std::string> url = postjson::ExpandURL(o.url);
  if (!url.ok()) return Fail(kExitUsage, url.error().message());
  if (*data && !o.items.empty()) {
    return Fail(kExitUsage, "give either items or --data, not both (see --help)");
  }
  // A file given to a single request streams from disk (validated first,
  // as it is read); anything else is read whole. --repeat sends the body
  // again and again, which a stream cannot be.
  nethttp::Loop& loop = nethttp::DefaultLoop();
  const std::string data_file = *data && o.repeat == 0 ? postjson::DataFile(o.data) : std::string();
  auto make_request = [&]() -> nethttp::Result<nethttp::Request> {
    if (data_file.empty()) {
      nethttp::Result<std::string> body =
          *data ? postjson::ReadData(o.data, std::cin) : postjson::BuildBody(o.items);
      if (!body.ok()) return body.error();
      return nethttp::NewRequest("POST", *url, std::move(*body));
    }
    if (nethttp::Error err = postjson::ValidateJsonFile(data_file)) return err;
    nethttp::Result<nethttp::FileBody> file = nethttp::OpenFileBody(loop, data_file);
    if (!file.ok()) {
      return nethttp::Error(nethttp::ErrorCode::kInvalidArgument, "cannot read --data file: " + file.error().message());
    }
    nethttp::Result<nethttp::Request> r = nethttp::NewRequest("POST", *url);
    if (r.ok()) {
      r->body_stream = std::move(file->body);
      r->content_length = file->size;
    }
    return r;
  };
  nethttp::Result<nethttp::Request> req = make_request();
  if (!req.ok()) return Fail(kExitUsage, req.error().message());
  req->header.Set("Content-Type", "application/json");
  for (const std::string& arg : o.headers) {
    nethttp::Result<postjson::HeaderArg> h = postjson::ParseHeaderArg(arg);
    if (!h.ok()) return Fail(kExitUsage, h.error().message());
    std::string name = nethttp::CanonicalHeaderKey(h->name);
    if (name == "Content-Length" || name == "Transfer-Encoding") {
      // The body's framing is the library's job; a second, disagreeing
      // length is how requests get smuggled.
      return Fail(kExitUsage, "-H " + name + ": post-json frames the body itself");
    }
    if (name == "Host") {
      req->host = h->value;  // Go: Request.Host wins over a Host field
    } else if (name == "Content-Type") {
      req->header.Set(name, h->value);  // an explicit -H replaces the default
    } else {
      req->header.Add(name, h->value);
    }
  }

  nethttp::Result<std::shared_ptr<nethttp::TLSConfig>> tls = TlsConfigFrom(o);
  if (!tls.ok()) return Fail(kExitUsage, tls.error().message());

  // A server closing mid-request, or a reader of our stdout going away, must
  // be an error value (EPIPE), not a signal that kills us silently.
  std::signal(SIGPIPE, SIG_IGN);

  // Shared, as Client::transport holds it; the reference keeps the rest
  // of main reading as before.
  auto transport_owner = std::make_shared<nethttp::Transport>(&loop);
  nethttp::Transport& transport = *transport_owner;
  transport.tls_client_config = std::move(*tls);
  // HTTP_PROXY, HTTPS_PROXY and NO_PROXY, as Go's DefaultTransport reads them.
  transport.proxy = nethttp::ProxyFromEnvironment;
  if (o.repeat > 0) {
    // At most C connections, and room in the pool for all of them: a pool
    // smaller than C would close connections between requests and redial.
    transport.max_conns_per_host = o.concurrency;
    transport.max_idle_conns_per_host = std::max(transport.max_idle_conns_per_host, o.concurrency);
    transport.max_idle_conns = std::max(transport.max_idle_conns, o.concurrency);
  }
  nethttp::Client client;
  client.transport = transport_owner;
  client.loop = &loop;
  client.timeout = nethttp::Client::Duration(static_cast<int64_t>(o.timeout_sec * 1000 + 0.5));
  if (o.timeout_sec > 0 && client.timeout.count() == 0) client.timeout = nethttp::Client::Duration(1);

  if (o.repeat == 0) return SendOnce(loop, client, transport, std::move(*req), o.verbose);

  if (o.verbose) PrintRequestHead(*req);
  Repeater repeater(loop, client, transport, std::move(*req), o.repeat, o.concurrency);
  repeater.Run(loop);
  const postjson::Summary& summary = repeater.summary();
  std::string out = summary.Format(repeater.elapsed(), transport.ConnectionsOpened());
  if (int err = WriteStdout(out); err != 0 && err != EPIPE) {
    PrintError(std::string("write stdout: ") + std::strerror(err));
  }
  if (summary.failures() > 0) {
    PrintError(std::to_string(summary.failures()) + " of " + std::to_string(summary.requests()) +
                " requests failed; the first: " + summary.first_failure());
  }
  return summary.ExitCode();
}
