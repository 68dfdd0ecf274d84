#include "ssh/wire.h"
