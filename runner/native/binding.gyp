{
  "targets": [
    {
      "target_name": "process_guard",
      "sources": ["process-guard.c"],
      "cflags": ["-Wall", "-Wextra", "-Werror"]
    }
  ]
}
