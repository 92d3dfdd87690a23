// IdlePool holds the kept-alive client connections that wait for their next
// request (Go: Transport.idleConn, idleLRU, tryPutIdleConn). Pure data: no
// sockets, no timers; transport.cc decides when to put, take and close, and
// persist_conn.cc owns the connections. The pool's key is a
// ConnectMethodKey's String() (internal/connect_method_key.h).
#ifndef NETHTTP_INTERNAL_IDLE_POOL_H_
#define NETHTTP_INTERNAL_IDLE_POOL_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>
#include <vector>

namespace nethttp {

template <typename Conn>
class IdlePool {
 public:
  // max_total bounds idle connections over all keys (Go: MaxIdleConns; 0 is
  // no limit); max_per_key bounds them per key (Go: MaxIdleConnsPerHost).
  IdlePool(size_t max_total, size_t max_per_key) : max_total_(max_total), max_per_key_(max_per_key) {}

  void set_limits(size_t max_total, size_t max_per_key) {
    max_total_ = max_total;
    max_per_key_ = max_per_key;
  }

  // Put adds c as the most recently used idle conn for key. It returns the
  // conns the caller must close: c itself when key already has max_per_key
  // idle conns (Go: errTooManyIdleHost), or the least recently used conn of
  // any key when the total is full (Go: idleLRU.removeOldest).
  std::vector<Conn*> Put(const std::string& key, Conn* c, uint64_t now_ms) {
    std::vector<Conn*> to_close;
    if (max_per_key_ == 0) {
      to_close.push_back(c);
      return to_close;
    }
    // (One lookup, on every response: the key is hashed once.)
    auto it = by_key_.try_emplace(key).first;
    if (it->second.size() >= max_per_key_) {
      to_close.push_back(c);
      return to_close;
    }
    if (max_total_ > 0 && total_ >= max_total_) {
      if (Conn* oldest = RemoveOldest()) {
        to_close.push_back(oldest);
        // The oldest may have been key's last, and its list erased.
        it = by_key_.try_emplace(key).first;
      }
    }
    it->second.push_back(Entry{c, now_ms});
    ++total_;
    return to_close;
  }

  // Take removes and returns the most recently used conn for key (Go takes
  // the MRU end too: the one least likely to have been closed by the
  // server), or null. Conns idle for longer than max_idle_ms (0: no limit)
  // are removed on the way and appended to expired for the caller to close.
  Conn* Take(const std::string& key, uint64_t now_ms, uint64_t max_idle_ms,
             std::vector<Conn*>* expired) {
    auto it = by_key_.find(key);
    if (it == by_key_.end()) return nullptr;
    std::deque<Entry>& list = it->second;
    Conn* found = nullptr;
    while (!list.empty() && found == nullptr) {
      Entry e = list.back();
      list.pop_back();
      --total_;
      if (max_idle_ms > 0 && now_ms - e.since_ms >= max_idle_ms) {
        expired->push_back(e.conn);
      } else {
        found = e.conn;
      }
    }
    if (max_idle_ms > 0) {
      // The LRU end of the list expires first; older conns are all stale.
      while (!list.empty() && now_ms - list.front().since_ms >= max_idle_ms) {
        expired->push_back(list.front().conn);
        list.pop_front();
        --total_;
      }
    }
    if (list.empty()) by_key_.erase(it);
    return found;
  }

  // Remove takes c out of the pool (the server closed it, or its idle timer
  // fired); false when it was not there.
  bool Remove(const std::string& key, Conn* c) {
    auto it = by_key_.find(key);
    if (it == by_key_.end()) return false;
    std::deque<Entry>& list = it->second;
    for (auto e = list.begin(); e != list.end(); ++e) {
      if (e->conn == c) {
        list.erase(e);
        --total_;
        if (list.empty()) by_key_.erase(it);
        return true;
      }
    }
    return false;
  }

  // RemoveAll empties the pool (Go: CloseIdleConnections) and returns every
  // conn that was in it.
  std::vector<Conn*> RemoveAll() {
    std::vector<Conn*> all;
    for (auto& [key, list] : by_key_) {
      for (const Entry& e : list) all.push_back(e.conn);
    }
    by_key_.clear();
    total_ = 0;
    return all;
  }

  size_t size() const { return total_; }
  size_t size(const std::string& key) const {
    auto it = by_key_.find(key);
    return it == by_key_.end() ? 0 : it->second.size();
  }

 private:
  struct Entry {
    Conn* conn;
    uint64_t since_ms;  // when it became idle
  };

  Conn* RemoveOldest() {
    auto oldest = by_key_.end();
    for (auto it = by_key_.begin(); it != by_key_.end(); ++it) {
      // Put has already made the (empty) list of the key it is adding to;
      // front() of an empty deque is undefined.
      if (it->second.empty()) continue;
      if (oldest == by_key_.end() || it->second.front().since_ms < oldest->second.front().since_ms) {
        oldest = it;
      }
    }
    if (oldest == by_key_.end()) return nullptr;
    Conn* c = oldest->second.front().conn;
    oldest->second.pop_front();
    --total_;
    if (oldest->second.empty()) by_key_.erase(oldest);
    return c;
  }

  size_t max_total_;
  size_t max_per_key_;
  size_t total_ = 0;
  std::unordered_map<std::string, std::deque<Entry>> by_key_;
};

}  // namespace nethttp

#endif  // NETHTTP_INTERNAL_IDLE_POOL_H_
