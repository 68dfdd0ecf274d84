// A key file made by stock ssh-keygen, and signatures made by `ssh-keygen
// -Y sign` with it, as `cordon remote --sign-with` makes them: the tests'
// registered SSH keys (grant decisions, attestations, command-line logins).
#pragma once

#include <filesystem>
#include <string>

#include "ssh/ssh_keygen_oracle.h"
#include "testing/scoped_temp_dir.h"

namespace cordon::serve::testkit {

struct KeyFile {
  test_support::ScopedTempDir dir;
  std::string path = dir / "id";
  KeyFile() {
    auto made =
        ssh::oracle::Run("ssh-keygen -q -t ed25519 -N '' -C anne -f " + ssh::oracle::Q(path));
    EXPECT_EQ(made.exit_code, 0) << made.output;
  }
  std::string Line() const { return ssh::oracle::FirstLine(path + ".pub"); }
  std::string Sign(const std::string& ns, const std::string& message) const {
    ssh::oracle::WriteText(dir / "message", message);
    std::filesystem::remove(dir / "message.sig");
    auto signed_ = ssh::oracle::Run("ssh-keygen -q -Y sign -f " + ssh::oracle::Q(path) + " -n " +
                                    ns + " " + ssh::oracle::Q(dir / "message"));
    EXPECT_EQ(signed_.exit_code, 0) << signed_.output;
    return ssh::oracle::ReadText(dir / "message.sig");
  }
};

}  // namespace cordon::serve::testkit
