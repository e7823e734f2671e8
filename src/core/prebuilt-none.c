/* SPDX-License-Identifier: MIT */
/* Cross builds: the generator cannot run on the build machine, so there is
 * no prebuilt program and the launcher compiles its filter at start. */
#include "prebuilt-filter.h"

const OvhSandboxProgram ovh_prebuilt_filter = { 0 };
