-- File types for the names dockerfile-lsp serves: Dockerfiles and Containerfiles with a
-- suffix or a prefix (`Dockerfile.dev`, `api.Dockerfile`), and ignore files, which Neovim
-- otherwise leaves without a filetype or calls `gitignore`. Needs `vim.filetype.add`
-- (Neovim 0.7+; on 0.7 set `vim.g.do_filetype_lua = 1` for it to be used).
vim.filetype.add({
  filename = {
    ['Dockerfile'] = 'dockerfile',
    ['dockerfile'] = 'dockerfile',
    ['Containerfile'] = 'dockerfile',
    ['containerfile'] = 'dockerfile',
    ['.dockerignore'] = 'dockerignore',
    ['.containerignore'] = 'dockerignore',
  },
  pattern = {
    -- Ahead of the Dockerfile patterns: `Dockerfile.dockerignore` is the ignore file of
    -- `Dockerfile`, as BuildKit reads it.
    ['.+%.dockerignore'] = { 'dockerignore', { priority = 10 } },
    ['[Dd]ockerfile%..+'] = 'dockerfile',
    ['[Cc]ontainerfile%..+'] = 'dockerfile',
    ['.+%.[Dd]ockerfile'] = 'dockerfile',
    ['.+%.[Cc]ontainerfile'] = 'dockerfile',
  },
})
