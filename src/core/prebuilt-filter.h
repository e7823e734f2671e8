/* SPDX-License-Identifier: MIT */
#pragma once

#include "sandbox.h"

/* The default filter for this build's machine, compiled at build time by
 * filter-gen.c with the same code the launcher would run at start. Its
 * .main is NULL in cross builds (the generator cannot run there), and the
 * launcher then compiles the filter at start. */
extern const OvhSandboxProgram ovh_prebuilt_filter;
