// asciicast v2 (docs.asciinema.org/manual/asciicast/v2): placeholder header
// of the recording layer; the layer is built by the remote-maintenance issue.
#pragma once
