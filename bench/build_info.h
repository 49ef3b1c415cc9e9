// What the build was made from (generated at build time by cmake/BuildInfo.cmake).
#pragma once

namespace d2ace {

const char* build_git_commit();
bool build_git_dirty();

}  // namespace d2ace
