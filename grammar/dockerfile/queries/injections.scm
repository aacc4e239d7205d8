; Shell-form commands are run by the build's shell (`/bin/sh -c` by default).
; Each fragment is injected on its own: the fragments of one instruction are
; split by line continuations and by the comment lines BuildKit drops.
(run_instruction
  (shell_command
    (shell_fragment) @injection.content)
  (#set! injection.language "bash"))

(cmd_instruction
  (shell_command
    (shell_fragment) @injection.content)
  (#set! injection.language "bash"))

(entrypoint_instruction
  (shell_command
    (shell_fragment) @injection.content)
  (#set! injection.language "bash"))

(healthcheck_instruction
  (shell_command
    (shell_fragment) @injection.content)
  (#set! injection.language "bash"))

(shell_instruction
  (shell_command
    (shell_fragment) @injection.content)
  (#set! injection.language "bash"))

; A RUN heredoc is the script fed to the shell. COPY and ADD heredocs are file
; contents of any type, so they are not injected.
(run_instruction
  (heredoc
    body: (heredoc_body) @injection.content)
  (#set! injection.language "bash"))
