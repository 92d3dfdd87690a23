// FakeSource stands in for the connection that feeds a StreamBody, for unit
// tests of the body alone: it counts what the body tells it.
#ifndef NETHTTP_TESTS_TESTUTIL_FAKE_SOURCE_H_
#define NETHTTP_TESTS_TESTUTIL_FAKE_SOURCE_H_

#include "internal/stream_body.h"

namespace nethttp::testutil {

class FakeSource : public StreamBody::Source {
 public:
  void UpdateReading() override { ++updates; }
  void BodyAbandoned() override { ++abandoned; }
  int updates = 0;
  int abandoned = 0;
};

}  // namespace nethttp::testutil

#endif  // NETHTTP_TESTS_TESTUTIL_FAKE_SOURCE_H_
