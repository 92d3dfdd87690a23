// nethttp.h is the umbrella include for applications: everything a server or
// a client needs, as `import "net/http"` gives a Go program.
#ifndef NETHTTP_NETHTTP_H_
#define NETHTTP_NETHTTP_H_

#include "nethttp/client.h"
#include "nethttp/cookie.h"
#include "nethttp/cookie_jar.h"
#include "nethttp/dump.h"
#include "nethttp/error.h"
#include "nethttp/file_server.h"
#include "nethttp/gzip_handler.h"
#include "nethttp/handler.h"
#include "nethttp/header.h"
#include "nethttp/hijacked_conn.h"
#include "nethttp/log.h"
#include "nethttp/loop.h"
#include "nethttp/media_type.h"
#include "nethttp/method.h"
#include "nethttp/mime_type.h"
#include "nethttp/multipart.h"
#include "nethttp/per_loop_transport.h"
#include "nethttp/pool_allocator.h"
#include "nethttp/request.h"
#include "nethttp/response.h"
#include "nethttp/reverse_proxy.h"
#include "nethttp/serve_mux.h"
#include "nethttp/server.h"
#include "nethttp/sniff.h"
#include "nethttp/status.h"
#include "nethttp/task.h"
#include "nethttp/timeout_handler.h"
#include "nethttp/transport.h"
#include "nethttp/url.h"
#include "nethttp/values.h"
#include "nethttp/version.h"

#endif  // NETHTTP_NETHTTP_H_
