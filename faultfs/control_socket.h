// ControlSocket: the Unix stream socket behind --control-socket PATH.
//
// Listen() binds PATH with mode 0600 (a stale socket left by a dead daemon
// is replaced; a live one or any other file is refused) and listens. Start()
// runs one thread that accepts connections and serves them all with
// poll(2): each request line gets one reply line from ControlCommands, in
// order. Stop() (or the destructor) ends the thread, closes every
// connection and removes PATH.
//
// Ownership: owns the listening fd, the connections and the thread; the
// ControlCommands must outlive Stop(). Thread-safety: Start/Stop from one
// thread (the daemon's); the serving thread only calls ControlCommands.
#ifndef CRASHLAB_FAULTFS_CONTROL_SOCKET_H_
#define CRASHLAB_FAULTFS_CONTROL_SOCKET_H_

#include <memory>
#include <string>
#include <thread>

#include "core/status.h"
#include "faultfs/control_commands.h"

namespace crashlab::faultfs {

class ControlSocket {
 public:
  static Result<std::unique_ptr<ControlSocket>> Listen(const std::string& path);
  ~ControlSocket();
  ControlSocket(const ControlSocket&) = delete;
  ControlSocket& operator=(const ControlSocket&) = delete;

  void Start(ControlCommands* commands);
  void Stop();
  const std::string& path() const { return path_; }

 private:
  ControlSocket(std::string path, int listen_fd, int wake_read, int wake_write)
      : path_(std::move(path)),
        listen_fd_(listen_fd),
        wake_read_(wake_read),
        wake_write_(wake_write) {}
  void Run(ControlCommands* commands);

  std::string path_;
  int listen_fd_;
  int wake_read_;  // a pipe: Stop() writes, the thread wakes and ends
  int wake_write_;
  std::thread thread_;
};

}  // namespace crashlab::faultfs

#endif  // CRASHLAB_FAULTFS_CONTROL_SOCKET_H_
