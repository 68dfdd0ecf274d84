// Packages on the exchange: push what `cordon extract` wrote, list, pull
// (with an open grant), confirm the import (the exchange deletes the
// package and signs a deletion certificate), fetch that certificate.
// Files stream from and to disk; a download lands whole or not at all.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "client/connection.h"
#include "core/result.h"

namespace cordon::client {

// What a transfer reports, for a progress display (this layer never
// prints). Every member may be empty.
struct TransferObserver {
  // A file's transfer begins; its size when known.
  std::function<void(const std::string& name, std::optional<uint64_t> size)> begin;
  // Bytes of the current file sent or received so far.
  std::function<void(uint64_t bytes)> progress;
  // The file arrived whole (a download: committed to disk).
  std::function<void(const std::string& name)> done;
};

// The files of a package directory that its manifest names — manifest.json,
// its signature when there is one, each table — sorted by name; nothing
// else in the directory is ever sent. kInvalidArgument when there is no
// manifest.json or a named file is a link or not a regular file;
// kMalformed when the manifest does not parse; kIo when it cannot be read.
Result<std::vector<std::string>> PackageFiles(const std::string& dir);

struct PushedPackage {
  std::string id, order_id, delete_by;
  uint64_t bytes = 0;
  nlohmann::json answer;
};
// Uploads `files` (PackageFiles) of `dir` and commits them as one package.
Result<PushedPackage> Push(Connection& connection, const std::string& dir,
                           const std::vector<std::string>& files,
                           const TransferObserver& observer = {});

struct PackageInfo {
  std::string id, order_id, status, delete_by;
  uint64_t bytes = 0;
};
struct PackageList {
  std::vector<PackageInfo> packages;
  nlohmann::json answer;
};
// The packages this account may see; with `include_deleted`, deleted ones too.
Result<PackageList> ListPackages(Connection& connection, bool include_deleted);

// Downloads package `id` into `out_dir` (created), each file 0600 and
// refused when it already exists. kNotFound when the package was deleted;
// kMalformed when the exchange names a file that is not a plain name.
// Returns the file names, manifest first.
Result<std::vector<std::string>> Pull(Connection& connection, const std::string& id,
                                      const std::string& out_dir,
                                      const TransferObserver& observer = {});

struct DeletionCertificate {
  std::string certificate, signature;  // the signed JSON, its minisign signature
  nlohmann::json answer;
};
// Confirms the import: the exchange deletes the package and signs this.
Result<DeletionCertificate> Confirm(Connection& connection, const std::string& id);
// The certificate of a package deleted earlier.
Result<DeletionCertificate> FetchCertificate(Connection& connection, const std::string& id);
// Writes `path` and `path`.minisig (0644: a certificate is for showing).
Status SaveCertificate(const DeletionCertificate& certificate, const std::string& path);

}  // namespace cordon::client
