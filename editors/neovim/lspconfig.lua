-- dockerfile-lsp through nvim-lspconfig, which has no entry for it: a custom server
-- registered in `lspconfig.configs`, then set up like any other. Put this in init.lua
-- (after nvim-lspconfig is loaded); `settings` or `init_options` take the server's keys.
local lspconfig = require('lspconfig')
local configs = require('lspconfig.configs')

if not configs.dockerfile_lsp then
  configs.dockerfile_lsp = {
    default_config = {
      cmd = { 'dockerfile-lsp', '--stdio' },
      filetypes = { 'dockerfile', 'dockerignore' },
      root_dir = lspconfig.util.root_pattern('dockerfile-lsp.toml', '.hadolint.yaml', '.hadolint.yml', '.git'),
      single_file_support = true,
    },
  }
end

lspconfig.dockerfile_lsp.setup({
  -- settings = { ['dockerfile-lsp'] = { rules = { disable = { 'image-latest-tag' } } } },
})
