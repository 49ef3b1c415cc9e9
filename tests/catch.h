// Catch2 for tests that also include LibTorch: Debian's LibTorch brings glog, whose CHECK macro
// would replace Catch's. Including LibTorch first and dropping glog's CHECK keeps Catch's.
// Every test file includes this header first.
#pragma once

#include <torch/types.h>
#undef CHECK

#include <catch2/catch.hpp>
