// GzipHandler: a ResponseWriterWrapper that holds back the first bytes of
// a response until it can tell whether compressing is worth it, then
// either passes everything through or feeds a GzipEncoder and writes what
// comes out of it.
#include "nethttp/gzip_handler.h"

#include <charconv>
#include <optional>
#include <string>
#include <utility>

#include "internal/ascii.h"
#include "internal/gzip.h"
#include "internal/transfer.h"
#include "nethttp/sniff.h"

namespace nethttp {
namespace {

// QValue parses a weight (RFC 9110 §12.4.2: "0" to "1" with up to three
// decimals); nullopt for a malformed one, whose element is ignored.
std::optional<double> QValue(std::string_view q) {
  if (q.empty() || q.size() > 5 || (q[0] != '0' && q[0] != '1')) return std::nullopt;
  if (q.size() > 1 && q[1] != '.') return std::nullopt;
  for (char c : q.substr(std::min<size_t>(2, q.size()))) {
    if (c < '0' || c > '9' || (q[0] == '1' && c != '0')) return std::nullopt;
  }
  double v = q[0] - '0';
  double scale = 0.1;
  for (char c : q.substr(std::min<size_t>(2, q.size()))) v += (c - '0') * scale, scale /= 10;
  return v;
}

std::string_view MediaTypeOf(std::string_view content_type) {
  return TrimOws(content_type.substr(0, content_type.find(';')));
}

class GzipWriter final : public ResponseWriterWrapper {
 public:
  GzipWriter(ResponseWriter& w, std::shared_ptr<const GzipOptions> opts, bool accepts_gzip, bool head)
      : ResponseWriterWrapper(w), opts_(std::move(opts)), accepts_gzip_(accepts_gzip), head_(head) {}

  void WriteHeader(int status_code) override {
    if (state_ != State::kUndecided) {
      ResponseWriterWrapper::WriteHeader(status_code);  // the wrapped writer reports it superfluous
      return;
    }
    if (status_code_ != 0) return;
    status_code_ = status_code;
    // Nothing to compress, or informational: decide now.
    if (!BodyAllowedForStatus(status_code) || status_code == 206 || status_code < 200) Decide(/*at_end=*/false);
  }

  Error Write(std::string_view data) override {
    switch (state_) {
      case State::kUndecided:
        buf_.append(data);
        if (!accepts_gzip_ || buf_.size() >= opts_->min_size) return Decide(/*at_end=*/false);
        return {};
      case State::kPassThrough:
        return ResponseWriterWrapper::Write(data);
      case State::kCompressing: {
        if (Error err = encoder_->Write(data, &out_)) return err;
        return WriteOut();
      }
      case State::kEnded:
        break;
    }
    return Error(ErrorCode::kInvalidArgument, "http: write after the response finished");
  }

  void Flush() override {
    if (state_ == State::kUndecided) Decide(/*at_end=*/false);
    if (state_ == State::kCompressing && !encoder_->Flush(&out_)) WriteOut();
    ResponseWriterWrapper::Flush();
  }

  void Finish() override {
    End();
    ResponseWriterWrapper::Finish();
  }

  void Abort() override {
    state_ = State::kEnded;
    ResponseWriterWrapper::Abort();
  }

  // End completes the body: what was held back goes out, and the gzip
  // stream is closed. Called when the handler returns unheld, or by Finish.
  void End() {
    if (state_ == State::kUndecided) Decide(/*at_end=*/true);
    if (state_ == State::kCompressing && !encoder_->Close(&out_)) WriteOut();
    state_ = State::kEnded;
  }

 private:
  enum class State {
    kUndecided,    // holding back up to min_size bytes (or waiting for the first)
    kPassThrough,  // not compressing: writes go straight through
    kCompressing,  // writes go through the encoder
    kEnded,        // End or Abort: nothing more is written
  };

  // Decide settles compress or not, from the status, the header and the
  // bytes held back, and sends the head and those bytes on their way.
  Error Decide(bool at_end) {
    nethttp::Header& h = Header();
    const int code = status_code_ != 0 ? status_code_ : 200;
    std::string_view type = h.Get("Content-Type");
    std::string sniffed;
    if (type.empty() && !buf_.empty() && !h.Has("Content-Encoding") && BodyAllowedForStatus(code)) {
      // What the server would set on this first write; set now to decide.
      sniffed = DetectContentType(buf_);
      h.Set("Content-Type", sniffed);
      type = h.Get("Content-Type");
    }
    const std::string media = ToLower(MediaTypeOf(type));
    const bool compressible =
        !media.empty() && (opts_->compressible ? opts_->compressible(media) : DefaultCompressible(media));
    if (compressible && !HasToken(h.Get("Vary"), "Accept-Encoding")) h.Add("Vary", "Accept-Encoding");

    bool compress = compressible && accepts_gzip_ && !head_ && BodyAllowedForStatus(code) && code != 206 &&
                    code >= 200 && h.Get("Content-Encoding").empty() && !h.Has("Content-Range");
    if (compress && at_end && buf_.size() < opts_->min_size) compress = false;
    if (compress) {
      std::string_view cl = h.Get("Content-Length");
      uint64_t declared = 0;
      auto [end, ec] = std::from_chars(cl.data(), cl.data() + cl.size(), declared);
      if (!cl.empty() && ec == std::errc() && end == cl.data() + cl.size() && declared < opts_->min_size) {
        compress = false;
      }
    }
    if (compress) {
      h.Del("Content-Length");
      h.Del("Accept-Ranges");
      h.Set("Content-Encoding", "gzip");
      std::string_view etag = h.Get("ETag");
      if (!etag.empty() && !etag.starts_with("W/")) h.Set("ETag", "W/" + std::string(etag));
      encoder_ = std::make_unique<GzipEncoder>(opts_->level);
      state_ = State::kCompressing;
    } else {
      state_ = State::kPassThrough;
    }
    if (status_code_ != 0) ResponseWriterWrapper::WriteHeader(status_code_);
    std::string held = std::move(buf_);
    buf_.clear();
    if (held.empty()) return {};
    return Write(held);
  }

  // WriteOut passes the encoder's output on.
  Error WriteOut() {
    if (out_.empty()) return {};
    Error err = ResponseWriterWrapper::Write(out_);
    out_.clear();
    return err;
  }

  std::shared_ptr<const GzipOptions> opts_;  // shared: a held writer may outlive a call
  const bool accepts_gzip_;
  const bool head_;
  State state_ = State::kUndecided;
  int status_code_ = 0;  // WriteHeader's, 0 until then
  std::string buf_;      // held back while undecided
  std::string out_;      // the encoder's output, written at once
  std::unique_ptr<GzipEncoder> encoder_;
};

class GzipHandlerImpl final : public Handler {
 public:
  GzipHandlerImpl(std::shared_ptr<Handler> next, GzipOptions opts)
      : next_(std::move(next)), opts_(std::make_shared<const GzipOptions>(std::move(opts))) {}

  void ServeHTTP(ResponseWriter& w, Request& r) override {
    // Shared, so that a handler below may Hold it (ResponseWriterWrapper).
    auto gw = std::make_shared<GzipWriter>(w, opts_, AcceptsGzip(r.header), r.method == "HEAD");
    next_->ServeHTTP(*gw, r);
    if (!gw->held()) gw->End();
  }

  bool StreamsRequestBody(const Request& r) override { return next_->StreamsRequestBody(r); }

 private:
  std::shared_ptr<Handler> next_;
  std::shared_ptr<const GzipOptions> opts_;
};

}  // namespace

bool DefaultCompressible(std::string_view t) {
  if (t.starts_with("text/")) return true;
  if (t.ends_with("+json") || t.ends_with("+xml")) return true;
  for (std::string_view known : {"application/json", "application/javascript", "application/x-javascript",
                                 "application/ecmascript", "application/xml", "application/wasm",
                                 "application/x-ndjson", "application/graphql", "image/svg+xml",
                                 "image/x-icon", "font/ttf", "font/otf"}) {
    if (t == known) return true;
  }
  return false;
}

bool AcceptsGzip(const Header& request_header) {
  std::optional<bool> gzip, star;
  for (std::string_view list : request_header.Values("Accept-Encoding")) {
    while (!list.empty()) {
      size_t comma = list.find(',');
      std::string_view item = TrimOws(list.substr(0, comma));
      list.remove_prefix(comma == std::string_view::npos ? list.size() : comma + 1);
      std::string_view coding = TrimOws(item.substr(0, item.find(';')));
      double q = 1;
      for (size_t semi = item.find(';'); semi != std::string_view::npos;) {
        std::string_view param = item.substr(semi + 1);
        size_t next = param.find(';');
        std::string_view p = TrimOws(param.substr(0, next));
        if (p.size() >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
          std::optional<double> v = QValue(TrimOws(p.substr(2)));
          q = v.value_or(0);
        }
        semi = next == std::string_view::npos ? std::string_view::npos : semi + 1 + next;
      }
      if (EqualFold(coding, "gzip") || EqualFold(coding, "x-gzip")) {
        gzip = gzip.value_or(false) || q > 0;
      } else if (coding == "*") {
        star = q > 0;
      }
    }
  }
  return gzip.has_value() ? *gzip : star.value_or(false);
}

std::shared_ptr<Handler> GzipHandler(std::shared_ptr<Handler> h, GzipOptions opts) {
  return std::make_shared<GzipHandlerImpl>(std::move(h), std::move(opts));
}

}  // namespace nethttp
