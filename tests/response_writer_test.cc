// Tests for lib/response_writer.cc: handler actions in, exact bytes out, no
// sockets. A FakeSink stands in for the connection.
#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "internal/response_writer.h"

using nethttp::ServerResponse;

namespace {

class FakeSink : public nethttp::ResponseSink {
 public:
  std::string out;
  int grew = 0;
  int finished = 0;
  int sent_now = 0;       // SendNow calls
  int want_writable = 0;  // WantWritable calls
  size_t unsent = 0;      // what Unsent reports
  bool keep_alives = true;
  bool unread_body_forces_close = false;
  std::string& Output() override { return out; }
  void OutputGrew() override { ++grew; }
  std::string_view Date() override { return "Sun, 06 Nov 1994 08:49:37 GMT"; }
  bool KeepAlivesAllowed() override { return keep_alives; }
  void ResponseFinished() override { ++finished; }
  void SendNow() override { ++sent_now; }
  size_t Unsent() override { return unsent; }
  void WantWritable() override { ++want_writable; }
  bool UnreadBodyForcesClose() override { return unread_body_forces_close; }
};

std::shared_ptr<ServerResponse> NewResponse(FakeSink* sink, ServerResponse::RequestInfo info = {}) {
  return std::make_shared<ServerResponse>(sink, info);
}

}  // namespace

TEST_SUITE("response_writer") {
  TEST_CASE("a small body gets a Content-Length and a sniffed type") {
    FakeSink sink;
    auto w = NewResponse(&sink);
    CHECK_FALSE(w->Write("pong"));
    CHECK(sink.out.empty());  // buffered until the handler returns
    CHECK(w->CompleteUnlessHeld());
    CHECK(sink.out ==
          "HTTP/1.1 200 OK\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
          "Content-Type: text/plain; charset=utf-8\r\nContent-Length: 4\r\n\r\npong");
    CHECK_FALSE(w->close_after());
  }

  TEST_CASE("handler headers come first, in the order set; WriteHeader sets the status") {
    FakeSink sink;
    auto w = NewResponse(&sink);
    w->Header().Set("X-B", "2");
    w->Header().Set("Content-Type", "application/json");
    w->WriteHeader(201);
    w->WriteHeader(500);  // superfluous: ignored
    w->Write("{}");
    w->CompleteUnlessHeld();
    CHECK(sink.out ==
          "HTTP/1.1 201 Created\r\nX-B: 2\r\nContent-Type: application/json\r\n"
          "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\nContent-Length: 2\r\n\r\n{}");
  }

  TEST_CASE("the handler's Date, Connection, Transfer-Encoding and empty Content-Type, in any case") {
    // WriteHead finds these in one pass over the header: each is looked at
    // whatever the case of its name, and by the first value, as Get would.
    FakeSink sink;
    auto w = NewResponse(&sink);
    w->Header().AddCanonical("date", "Mon, 07 Nov 1994 08:49:37 GMT");
    w->Header().AddCanonical("CONNECTION", "Close");
    w->Header().AddCanonical("Connection", "keep-alive");
    w->Header().AddCanonical("transfer-encoding", "gzip");
    w->Header().AddCanonical("content-type", "");
    w->Header().AddCanonical("Content-Type", "text/html");
    w->Write("<p>");
    w->CompleteUnlessHeld();
    CHECK(sink.out ==
          "HTTP/1.1 200 OK\r\ndate: Mon, 07 Nov 1994 08:49:37 GMT\r\nCONNECTION: Close\r\n"
          "Connection: keep-alive\r\nContent-Length: 3\r\n\r\n<p>");
    CHECK(w->close_after());

    // A Connection whose first value is not "close" keeps the conn, and
    // one is still written for a close the request asked for only if the
    // handler set none.
    FakeSink kept;
    auto w2 = NewResponse(&kept);
    w2->Header().Set("Connection", "keep-alive");
    w2->Header().Add("Connection", "close");
    w2->Header().Set("Content-Type", "text/plain");
    w2->CompleteUnlessHeld();
    CHECK_FALSE(w2->close_after());
    CHECK(kept.out ==
          "HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nConnection: close\r\n"
          "Content-Type: text/plain\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
          "Content-Length: 0\r\n\r\n");
  }

  TEST_CASE("a body longer than the buffer streams chunked") {
    FakeSink sink;
    auto w = NewResponse(&sink);
    std::string big(nethttp::kBufferBeforeChunking + 1, 'a');
    w->Write(big);
    CHECK(sink.out.find("Transfer-Encoding: chunked\r\n") != std::string::npos);
    CHECK(sink.out.find("Content-Length") == std::string::npos);
    w->Write("bc");
    w->CompleteUnlessHeld();
    std::string tail = "\r\n2\r\nbc\r\n0\r\n\r\n";
    CHECK(sink.out.compare(sink.out.size() - tail.size(), tail.size(), tail) == 0);
    CHECK(sink.out.find("1001\r\n" + big + "\r\n") != std::string::npos);
  }

  TEST_CASE("a first Write larger than the buffer is still sniffed (Go: sniffs what is written)") {
    FakeSink sink;
    auto w = NewResponse(&sink);
    w->Write(std::string(nethttp::kBufferBeforeChunking + 1, 't'));
    CHECK(sink.out.find("Content-Type: text/plain; charset=utf-8\r\n") != std::string::npos);
    FakeSink html_sink;
    auto h = NewResponse(&html_sink);
    h->Write("<html>");  // buffered: the sniffer sees it joined to what follows
    h->Write(std::string(nethttp::kBufferBeforeChunking, '\x01'));
    CHECK(html_sink.out.find("Content-Type: text/html; charset=utf-8\r\n") != std::string::npos);
    FakeSink bin_sink;
    auto b = NewResponse(&bin_sink);
    b->Write("ab");
    b->Write(std::string(nethttp::kBufferBeforeChunking, '\x01'));
    CHECK(bin_sink.out.find("Content-Type: application/octet-stream\r\n") != std::string::npos);
  }

  TEST_CASE("a declared Content-Length is kept and enforced") {
    FakeSink sink;
    auto w = NewResponse(&sink);
    w->Header().Set("Content-Length", "5");
    CHECK_FALSE(w->Write("hel"));
    CHECK(w->Write("lo!!").code() == nethttp::ErrorCode::kInvalidArgument);
    CHECK_FALSE(w->Write("lo"));
    w->CompleteUnlessHeld();
    CHECK(sink.out.find("Content-Length: 5\r\n") != std::string::npos);
    CHECK(sink.out.substr(sink.out.size() - 5) == "hello");
    CHECK_FALSE(w->close_after());
  }

  TEST_CASE("writing less than the declared length closes the connection") {
    FakeSink sink;
    auto w = NewResponse(&sink);
    w->Header().Set("Content-Length", "10");
    w->Write("abc");
    w->CompleteUnlessHeld();
    CHECK(w->close_after());
  }

  TEST_CASE("HEAD: the length a GET would have, and no body") {
    FakeSink sink;
    ServerResponse::RequestInfo info;
    info.head_request = true;
    auto w = NewResponse(&sink, info);
    CHECK_FALSE(w->Write("pong"));
    w->CompleteUnlessHeld();
    CHECK(sink.out.find("Content-Length: 4\r\n") != std::string::npos);
    CHECK(sink.out.substr(sink.out.size() - 4) == "\r\n\r\n");
  }

  TEST_CASE("204 and 304 have no body; writes fail") {
    FakeSink sink;
    auto w = NewResponse(&sink);
    w->WriteHeader(204);
    CHECK(w->Write("x"));
    w->CompleteUnlessHeld();
    CHECK(sink.out == "HTTP/1.1 204 No Content\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\n");
  }

  TEST_CASE("HTTP/1.0: keep-alive when asked and the length is known, else close") {
    FakeSink sink;
    ServerResponse::RequestInfo info;
    info.proto_minor = 0;
    auto w = NewResponse(&sink, info);
    w->Write("x");
    w->CompleteUnlessHeld();
    CHECK(sink.out.rfind("HTTP/1.0 200 OK\r\n", 0) == 0);
    CHECK(sink.out.find("Connection: keep-alive\r\n") != std::string::npos);
    CHECK_FALSE(w->close_after());

    FakeSink sink2;
    auto streamed = NewResponse(&sink2, info);
    streamed->Write(std::string(nethttp::kBufferBeforeChunking + 1, 'z'));
    streamed->CompleteUnlessHeld();
    CHECK(sink2.out.find("chunked") == std::string::npos);  // 1.0 has no chunked
    CHECK(sink2.out.find("Connection: close\r\n") != std::string::npos);
    CHECK(streamed->close_after());
  }

  TEST_CASE("Connection: close when the request or the server asks") {
    FakeSink sink;
    ServerResponse::RequestInfo info;
    info.wants_close = true;
    auto w = NewResponse(&sink, info);
    w->CompleteUnlessHeld();
    CHECK(sink.out.find("Connection: close\r\n") != std::string::npos);
    CHECK(sink.out.find("Content-Length: 0\r\n") != std::string::npos);
    CHECK(w->close_after());

    FakeSink shutting;
    shutting.keep_alives = false;
    auto w2 = NewResponse(&shutting);
    w2->CompleteUnlessHeld();
    CHECK(w2->close_after());
  }

  TEST_CASE("1xx goes out at once and the final status follows") {
    FakeSink sink;
    auto w = NewResponse(&sink);
    w->Header().Set("Link", "</style.css>; rel=preload");
    w->WriteHeader(103);
    CHECK(sink.out == "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n");
    w->Write("ok");
    w->CompleteUnlessHeld();
    CHECK(sink.out.find("HTTP/1.1 200 OK\r\n") != std::string::npos);
  }

  TEST_CASE("Hold defers completion until Finish, which tells the sink") {
    FakeSink sink;
    auto w = NewResponse(&sink);
    auto held = w->Hold();
    CHECK_FALSE(w->CompleteUnlessHeld());
    CHECK(sink.out.empty());
    held->Write("later");
    held->Finish();
    CHECK(sink.finished == 1);
    CHECK(sink.out.find("Content-Length: 5\r\n\r\nlater") != std::string::npos);
    held->Finish();  // a second Finish is harmless
    CHECK(sink.finished == 1);
  }

  TEST_CASE("Recover turns an unsent response into a 500 that closes") {
    FakeSink sink;
    auto w = NewResponse(&sink);
    w->Header().Set("X-Secret", "1");
    w->Write("partial");
    w->Recover();
    CHECK(sink.out.rfind("HTTP/1.1 500 Internal Server Error\r\n", 0) == 0);
    CHECK(sink.out.find("X-Secret") == std::string::npos);
    CHECK(sink.out.find("partial") == std::string::npos);
    CHECK(w->close_after());
  }

  TEST_CASE("header values cannot inject fields") {
    FakeSink sink;
    auto w = NewResponse(&sink);
    w->Header().Set("X-A", "1\r\nSet-Cookie: evil=1");
    w->CompleteUnlessHeld();
    CHECK(sink.out.find("\r\nSet-Cookie") == std::string::npos);
  }

  TEST_CASE("a detached response fails writes") {
    FakeSink sink;
    auto w = NewResponse(&sink);
    w->Detach();
    CHECK(w->Write("x").code() == nethttp::ErrorCode::kCanceled);
  }

  TEST_CASE("Flush sends the head and the buffered body now, chunked") {
    FakeSink sink;
    auto w = NewResponse(&sink);
    w->Write("data: 1\n\n");
    CHECK(sink.out.empty());
    w->Flush();
    CHECK(sink.sent_now == 1);
    CHECK(sink.out ==
          "HTTP/1.1 200 OK\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
          "Content-Type: text/plain; charset=utf-8\r\nTransfer-Encoding: chunked\r\n\r\n"
          "9\r\ndata: 1\n\n\r\n");
    w->Write("x");  // after a Flush every write is a chunk at once
    CHECK(sink.out.size() > 0);
    CHECK(sink.out.substr(sink.out.size() - 6) == "1\r\nx\r\n");
    w->CompleteUnlessHeld();
    CHECK(sink.out.substr(sink.out.size() - 5) == "0\r\n\r\n");
  }

  TEST_CASE("Flush with nothing written sends a 200 head; with a Content-Length, no chunking") {
    FakeSink sink;
    auto w = NewResponse(&sink);
    w->Flush();
    CHECK(sink.out.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
    CHECK(sink.out.find("Transfer-Encoding: chunked") != std::string::npos);

    FakeSink sink2;
    auto w2 = NewResponse(&sink2);
    w2->Header().Set("Content-Length", "3");
    w2->Write("ab");
    w2->Flush();
    CHECK(sink2.out.find("Transfer-Encoding") == std::string::npos);
    CHECK(sink2.out.substr(sink2.out.size() - 6) == "\r\n\r\nab");
  }

  TEST_CASE("SendBuffered sends nothing for a response with no body yet, unless asked") {
    FakeSink sink;
    auto w = NewResponse(&sink);
    w->SendBuffered(/*even_empty=*/false);
    CHECK(sink.out.empty());
    w->WriteHeader(502);  // the status can still change: nothing went out
    w->Write("x");
    w->SendBuffered(/*even_empty=*/false);
    CHECK(sink.out.rfind("HTTP/1.1 502 Bad Gateway\r\n", 0) == 0);
  }

  TEST_CASE("a held response tells the sink of every write, however small") {
    FakeSink sink;
    auto w = NewResponse(&sink);
    auto held = w->Hold();
    int before = sink.grew;
    held->Write("a");
    CHECK(sink.grew == before + 1);
    CHECK(sink.out.empty());  // the connection decides when (end of turn)
  }

  TEST_CASE("declared trailers: chunked even when small and done, values sent after the body") {
    FakeSink sink;
    auto w = NewResponse(&sink);
    w->Header().Set("Trailer", "X-Checksum, Content-Length, X-Count");
    w->Write("body");
    w->Header().Set("X-Checksum", "abc");
    w->Header().Set("X-Count", "4");
    w->Header().Set("Content-Length", "99");  // declared but forbidden as a trailer
    w->CompleteUnlessHeld();
    CHECK(sink.out.find("Trailer: X-Checksum, Content-Length, X-Count\r\n") != std::string::npos);
    CHECK(sink.out.find("Transfer-Encoding: chunked\r\n") != std::string::npos);
    CHECK(sink.out.substr(sink.out.find("\r\n\r\n") + 4) ==
          "4\r\nbody\r\n0\r\nX-Checksum: abc\r\nX-Count: 4\r\n\r\n");
  }

  TEST_CASE("TrailerPrefix fields go in the trailer, never the head; forbidden names are dropped") {
    FakeSink sink;
    auto w = NewResponse(&sink);
    w->Write(std::string(5000, 'a'));  // streams: the head is already out
    w->Header().Set(std::string(nethttp::TrailerPrefix) + "X-Sum", "42");
    w->Header().Set(std::string(nethttp::TrailerPrefix) + "Transfer-Encoding", "chunked");
    w->CompleteUnlessHeld();
    CHECK(sink.out.substr(sink.out.size() - 19) == "a\r\n0\r\nX-Sum: 42\r\n\r\n");
    CHECK(sink.out.find("Trailer:") == std::string::npos);

    FakeSink sink2;  // set before the head: still not in it, and chunked
    auto w2 = NewResponse(&sink2);
    w2->Header().Set(std::string(nethttp::TrailerPrefix) + "X-Sum", "1");
    w2->Write("ab");
    w2->CompleteUnlessHeld();
    size_t body = sink2.out.find("\r\n\r\n");
    CHECK(sink2.out.substr(0, body).find("X-Sum") == std::string::npos);
    CHECK(sink2.out.substr(body + 4) == "2\r\nab\r\n0\r\nX-Sum: 1\r\n\r\n");
  }

  TEST_CASE("trailers on a Content-Length or HTTP/1.0 response are dropped, as in Go") {
    FakeSink sink;
    auto w = NewResponse(&sink);
    w->Header().Set("Trailer", "X-A");
    w->Header().Set("Content-Length", "2");
    w->Write("ab");
    w->Header().Set("X-A", "1");
    w->CompleteUnlessHeld();
    CHECK(sink.out.substr(sink.out.size() - 6) == "\r\n\r\nab");
  }

  TEST_CASE("Writable follows the sink's unsent bytes; OnWritable waits for Drained") {
    FakeSink sink;
    auto w = NewResponse(&sink);
    CHECK(w->Writable());
    sink.unsent = nethttp::kWriteHighWater;
    CHECK_FALSE(w->Writable());
    int called = 0;
    w->OnWritable([&] { ++called; });
    CHECK(sink.want_writable == 1);
    CHECK(w->wants_writable());
    CHECK(called == 0);
    w->Drained();
    CHECK(called == 1);
    w->Drained();  // once per OnWritable
    CHECK(called == 1);
    CHECK_FALSE(w->wants_writable());
  }

  TEST_CASE("CloseNotify runs once when the client goes, and at once if it is already gone") {
    FakeSink sink;
    auto w = NewResponse(&sink);
    int gone = 0;
    w->CloseNotify([&] { ++gone; });
    w->ClientGone();
    w->ClientGone();
    CHECK(gone == 1);
    w->CloseNotify([&] { ++gone; });
    CHECK(gone == 2);
  }

  TEST_CASE("Detach of an unfinished response runs its callbacks; a finished one drops them") {
    FakeSink sink;
    auto w = NewResponse(&sink);
    auto held = w->Hold();
    int gone = 0, writable = 0;
    held->CloseNotify([&] { ++gone; });
    held->OnWritable([&] { ++writable; });
    w->Detach();
    CHECK(gone == 1);
    CHECK(writable == 1);
    CHECK(held->Write("x").code() == nethttp::ErrorCode::kCanceled);
    CHECK(held->Writable());  // a write would fail at once: nothing to wait for
    held->OnWritable([&] { ++writable; });
    CHECK(writable == 2);

    // A callback holding the response itself is no leak: finishing drops it.
    FakeSink sink2;
    auto w2 = NewResponse(&sink2);
    std::weak_ptr<ServerResponse> weak = w2;
    {
      auto h2 = w2->Hold();
      h2->CloseNotify([h2] { (void)h2; });
      h2->OnWritable([h2] { (void)h2; });
      h2->Finish();
    }
    w2->Detach();
    w2.reset();
    CHECK(weak.expired());
  }

  TEST_CASE("Abort ends a response without its tail, and the connection closes") {
    FakeSink sink;
    auto w = NewResponse(&sink);
    auto held = w->Hold();
    held->Write(std::string(5000, 'a'));  // streamed: chunked, head out
    size_t before = sink.out.size();
    held->Abort();
    CHECK(sink.finished == 1);
    CHECK(w->finished());
    CHECK(w->close_after());
    CHECK(sink.out.size() == before);  // no last chunk
    CHECK(held->Write("x"));           // (an error)

    FakeSink sink2;  // before anything went out: nothing ever does
    auto w2 = NewResponse(&sink2);
    w2->Write("small");
    w2->Abort();
    CHECK(w2->CompleteUnlessHeld());
    CHECK(sink2.out.empty());
    CHECK(w2->close_after());
  }

  TEST_CASE("AppendHttpDate is IMF-fixdate") {
    std::string s;
    nethttp::AppendHttpDate(784111777, &s);
    CHECK(s == "Sun, 06 Nov 1994 08:49:37 GMT");
  }
}
