// civhubctl: administers a civhub hub through its unix socket.
#include <iostream>

#include "admin-cli/ctl.h"

int main(int argc, char** argv) {
  return civhub::ctl::RunCtl(argc, argv, std::cout, std::cerr);
}
