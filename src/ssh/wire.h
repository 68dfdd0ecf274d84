// RFC 4251 §5 data types as OpenSSH writes them: uint32/uint64 big-endian,
// string = uint32 length + bytes. Placeholder header of the ssh layer; the
// layer is built by the remote-maintenance issue.
#pragma once
