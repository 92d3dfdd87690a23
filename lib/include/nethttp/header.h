// Header is Go's http.Header: a multi-valued map from canonical field names
// ("Content-Type") to values. Fields keep their arrival order, which is also
// the order they are written in, so a message round-trips byte for byte.
#ifndef NETHTTP_HEADER_H_
#define NETHTTP_HEADER_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "nethttp/pool_allocator.h"

namespace nethttp {

// CanonicalHeaderKey returns the canonical form of a header key: the first
// letter and any letter following a hyphen upper case, the rest lower case
// ("accept-encoding" -> "Accept-Encoding"). A key that is not a valid token
// (it contains a space or other invalid byte) is returned unchanged, as Go does.
std::string CanonicalHeaderKey(std::string_view key);

// ValidHeaderFieldName reports whether name is a non-empty RFC 9110 token.
bool ValidHeaderFieldName(std::string_view name);
// ValidTrailerHeader reports whether name may be sent as a trailer field:
// not a field that frames, routes, authenticates or conditions the message
// (RFC 9110 §6.5.1; Go: httpguts.ValidTrailerHeader). name is canonical.
bool ValidTrailerHeader(std::string_view name);

// ValidHeaderFieldValue reports whether value has no CR, LF, NUL or other
// control byte except horizontal tab (RFC 9110 field-value).
bool ValidHeaderFieldValue(std::string_view value);

// Header's lookups return views, not copies, where Go returns strings:
// Get and Values run for every request and a copy there would allocate.
// A view points into the Header's own storage, so it is valid only until
// the next Add, Set, Del, AddCanonical or clear on that Header (any of
// them may move or free the bytes) or the Header's end, whichever comes
// first. To keep a value across a change, copy it first:
//
//   std::string type(h.Get("Content-Type"));  // a copy: survives the Set
//   h.Set("Content-Type", "text/plain");
//
// header_test's "a copied value survives Set, Add and Del" shows the pattern.
class Header {
 public:
  struct Field {
    std::string key;    // canonical
    std::string value;
  };
  // (The fields' storage comes from PoolAllocator: each message's header
  // is made and freed once per exchange, on every exchange.)
  using Fields = std::vector<Field, PoolAllocator<Field>>;
  using const_iterator = Fields::const_iterator;

  // Add appends a value to key's values.
  void Add(std::string_view key, std::string_view value);
  // Set replaces every value of key with value.
  void Set(std::string_view key, std::string_view value);
  // Get returns key's first value, or "" if there is none. The view is
  // invalidated by the next Add, Set, Del, AddCanonical or clear (see the
  // class comment); copy it into a std::string to keep it.
  std::string_view Get(std::string_view key) const;
  // Values returns every value of key, in order, as views that the next
  // Add, Set, Del, AddCanonical or clear invalidates (see the class comment).
  std::vector<std::string_view> Values(std::string_view key) const;
  // Has reports whether key has at least one value.
  bool Has(std::string_view key) const;
  // Del removes every value of key.
  void Del(std::string_view key);

  // Write appends the fields in wire form, "Key: value\r\n" each, to out.
  // Values with CR or LF are written with those bytes replaced by spaces, as
  // Go's headerNewlineToSpace does, so a value can never inject a header.
  void Write(std::string* out) const;

  // AddCanonical appends without canonicalising key: for parsers that have
  // already produced the canonical form.
  void AddCanonical(std::string key, std::string value);

  size_t size() const { return fields_.size(); }
  // reserve makes room for n fields, so that adding up to n allocates
  // nothing more (a copy has room for its own fields only).
  void reserve(size_t n) { fields_.reserve(n); }
  bool empty() const { return fields_.empty(); }
  void clear() { fields_.clear(); }
  const_iterator begin() const { return fields_.begin(); }
  const_iterator end() const { return fields_.end(); }

 private:
  // (The message parser adds every field of every message: it hands the
  // value over as the view it has, copied once, straight into the field.)
  friend class Http1Parser;
  void Append(std::string&& key, std::string&& value);
  void Append(std::string&& key, std::string_view value);
  Field& NewField();

  Fields fields_;
};

}  // namespace nethttp

#endif  // NETHTTP_HEADER_H_
