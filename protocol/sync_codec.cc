#include "protocol/sync_codec.h"
