-- dockerfile-lsp for Neovim 0.11+ (`:help lsp-config`): with this file on 'runtimepath' as
-- lsp/dockerfile_lsp.lua, `vim.lsp.enable('dockerfile_lsp')` starts the server for the
-- filetypes below. Override any field with `vim.lsp.config('dockerfile_lsp', { ... })`.
--
-- Plain data, no function calls: the repository's Neovim test loads this very table in the
-- Neovim 0.7 it runs, and starts the server from it.
return {
  cmd = { 'dockerfile-lsp', '--stdio' },
  -- `dockerignore` comes from ftdetect/dockerfile_lsp.lua in this directory.
  filetypes = { 'dockerfile', 'dockerignore' },
  -- The server reads dockerfile-lsp.toml and .hadolint.yaml from the workspace root.
  root_markers = { 'dockerfile-lsp.toml', '.hadolint.yaml', '.hadolint.yml', '.git' },
}
