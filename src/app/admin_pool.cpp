#include "app/admin_pool.hpp"

namespace torii::app {

boost::asio::thread_pool& admin_pool() {
  static boost::asio::thread_pool pool(1);
  return pool;
}

}  // namespace torii::app
