// The runner's one call that Node has no API for: prctl(PR_SET_DUMPABLE, 0), which keeps the
// repl's own processes (the same user id) out of the runner's /proc files, memory and ptrace
// (docs/security.md, "Local sandboxes"). Loaded by runner/src/support/process-guard.ts.
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>

#include <node_api.h>

static napi_value fail(napi_env env, const char *call) {
  char message[160];
  snprintf(message, sizeof message, "%s: %s", call, strerror(errno));
  napi_throw_error(env, NULL, message);
  return NULL;
}

// setNonDumpable(): void. The flag is the process's, so every thread (libuv's pool, workers)
// is covered; execve(2) resets it, so the shells and tools the runner starts are ordinary.
static napi_value set_non_dumpable(napi_env env, napi_callback_info info) {
  (void)info;
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) return fail(env, "prctl(PR_SET_DUMPABLE, 0)");
  return NULL;
}

// isDumpable(): boolean, as the kernel's ptrace check will see it.
static napi_value is_dumpable(napi_env env, napi_callback_info info) {
  (void)info;
  int state = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
  if (state < 0) return fail(env, "prctl(PR_GET_DUMPABLE)");
  napi_value result;
  napi_get_boolean(env, state == 1, &result);
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor functions[] = {
      {"setNonDumpable", NULL, set_non_dumpable, NULL, NULL, NULL, napi_enumerable, NULL},
      {"isDumpable", NULL, is_dumpable, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof functions / sizeof functions[0], functions);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
