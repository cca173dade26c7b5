#pragma once
// The admin API's thread: store reads and writes block on the disk, so they
// run here, never on a worker's event loop.
#include <boost/asio/thread_pool.hpp>

namespace torii::app {

boost::asio::thread_pool& admin_pool();

}  // namespace torii::app
