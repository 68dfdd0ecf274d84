#include "recording/asciicast.h"
