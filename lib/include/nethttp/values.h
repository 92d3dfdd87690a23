// Values is Go's url.Values: the fields of a query string or of an
// application/x-www-form-urlencoded body, each name with its values in the
// order they came. The form readers of request.h fill it.
#ifndef NETHTTP_VALUES_H_
#define NETHTTP_VALUES_H_

#include <functional>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "nethttp/error.h"

namespace nethttp {

// kMaxQueryPairs bounds the pairs AddQuery takes from one query. Go 1.19
// has no such limit; without one, the 10 MiB of "&a" that ParseForm
// accepts would make five million strings on the loop's thread.
inline constexpr size_t kMaxQueryPairs = 10000;

class Values {
 public:
  // Ordered by name, so that Encode is sorted without a copy (Go sorts
  // the keys of its map on every Encode).
  using Map = std::map<std::string, std::vector<std::string>, std::less<>>;
  using const_iterator = Map::const_iterator;

  Values() = default;
  Values(std::initializer_list<Map::value_type> init) : m_(init) {}

  // Get returns key's first value, or "" when it has none. Names are case
  // sensitive. The view lasts until key's values change.
  std::string_view Get(std::string_view key) const;
  // Set replaces key's values with value.
  void Set(std::string_view key, std::string_view value);
  // Add appends value to key's values.
  void Add(std::string_view key, std::string_view value);
  // Del removes key and its values.
  void Del(std::string_view key);
  // Has reports whether key is present, even with only empty values
  // ("?a" has a).
  bool Has(std::string_view key) const;
  // operator[] returns every value of key, empty when it has none (Go's
  // v[key]).
  const std::vector<std::string>& operator[](std::string_view key) const;

  // Encode returns "a=1&b=2" with names sorted and both sides
  // query-escaped (' ' as '+'), "" when empty.
  std::string Encode() const;

  // AddQuery adds the name=value pairs of the encoded query to these
  // values and returns the first error (Go: parseQuery). A pair that does
  // not decode is skipped, not the rest: Go's ParseForm keeps what parses
  // and reports the error beside it. A ';' inside a pair is an error, not
  // a separator (Go 1.17 and later; a proxy that splits on ';' would see
  // other fields than the handler: golang.org/issue/25192). A query of
  // more than kMaxQueryPairs pairs adds nothing and is an error.
  Error AddQuery(std::string_view query);

  size_t size() const { return m_.size(); }
  bool empty() const { return m_.empty(); }
  const_iterator begin() const { return m_.begin(); }
  const_iterator end() const { return m_.end(); }
  bool operator==(const Values&) const = default;

 private:
  Map m_;
};

// ParseQuery parses an encoded query string (Go: url.ParseQuery). Unlike
// Go, which returns the pairs that parsed beside the error, it returns
// either: a caller that wants both uses Values::AddQuery.
Result<Values> ParseQuery(std::string_view query);

}  // namespace nethttp

#endif  // NETHTTP_VALUES_H_
