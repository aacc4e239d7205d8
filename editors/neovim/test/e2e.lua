-- The Neovim end-to-end run behind server/tests/editor_neovim.rs, for the Neovim 0.7 of
-- Debian 12 (`nvim --headless -u NONE -i NONE -n -c 'luafile e2e.lua'`): loads this
-- directory's configuration, opens a Dockerfile, starts dockerfile-lsp as the editor would,
-- waits for its diagnostics, asks for a hover and the quick fixes of one diagnostic, applies
-- the fix, waits for the diagnostics of the fixed text, and stops the server. What Neovim saw
-- is written as JSON for the Rust test to check; the script itself only fails when a step
-- cannot happen at all, so that a wrong answer shows up in the test's assertions in full.
--
-- Environment: DOCKERFILE_LSP_BIN (the server), DOCKERFILE_LSP_NVIM_FILE (the Dockerfile,
-- a copy the test may change), DOCKERFILE_LSP_NVIM_RULE (the rule whose quick fix to apply),
-- DOCKERFILE_LSP_NVIM_OUT (where the JSON goes).

local TIMEOUT_MS = 20000

local function env(name)
  local value = os.getenv(name)
  if value == nil or value == '' then
    error(name .. ' is not set', 0)
  end
  return value
end

-- editors/neovim, whatever the working directory.
local script = debug.getinfo(1, 'S').source:sub(2)
local neovim_dir = vim.fn.fnamemodify(script, ':p:h:h')

-- The filetype Neovim gives a file name, with the filetype.lua API of the running version.
local function filetype_of(name)
  if vim.fn.has('nvim-0.8') == 1 then
    return vim.filetype.match({ filename = name }) or ''
  end
  local buf = vim.api.nvim_create_buf(false, true)
  vim.filetype.match(name, buf)
  local filetype = vim.api.nvim_buf_get_option(buf, 'filetype')
  vim.api.nvim_buf_delete(buf, { force = true })
  return filetype
end

local function contains(list, value)
  for _, item in ipairs(list) do
    if item == value then
      return true
    end
  end
  return false
end

-- The diagnostics of `buf` as Neovim holds them, in a stable order.
local function editor_diagnostics(buf)
  local out = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    out[#out + 1] = { line = d.lnum, col = d.col, code = d.code, severity = d.severity, message = d.message }
  end
  table.sort(out, function(a, b)
    if a.line ~= b.line then
      return a.line < b.line
    end
    return tostring(a.code) < tostring(b.code)
  end)
  return out
end

local function has_code(buf, code)
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    if d.code == code then
      return true
    end
  end
  return false
end

-- What the script saw, written out even when a step fails.
local result = {}

local function run()
  local bin = env('DOCKERFILE_LSP_BIN')
  local path = env('DOCKERFILE_LSP_NVIM_FILE')
  local rule = env('DOCKERFILE_LSP_NVIM_RULE')

  local config = dofile(neovim_dir .. '/lsp/dockerfile_lsp.lua')
  result.config = { cmd = config.cmd, filetypes = config.filetypes, root_markers = config.root_markers }
  dofile(neovim_dir .. '/ftdetect/dockerfile_lsp.lua')
  vim.cmd('edit ' .. vim.fn.fnameescape(path))
  local buf = vim.api.nvim_get_current_buf()
  vim.api.nvim_buf_set_option(buf, 'filetype', filetype_of(path))
  result.buffer_filetype = vim.api.nvim_buf_get_option(buf, 'filetype')
  if not contains(config.filetypes, result.buffer_filetype) then
    error('the configuration does not serve filetype ' .. result.buffer_filetype, 0)
  end

  -- What vim.lsp.enable would start for the buffer, with the binary under test.
  local cmd = vim.deepcopy(config.cmd)
  cmd[1] = bin
  local exit
  -- The diagnostics as the server sent them: code actions take them back verbatim.
  local published = {}
  local client_id = vim.lsp.start_client({
    name = 'dockerfile_lsp',
    cmd = cmd,
    root_dir = vim.fn.fnamemodify(path, ':p:h'),
    init_options = config.init_options,
    settings = config.settings,
    handlers = {
      ['textDocument/publishDiagnostics'] = function(err, params, ctx, handler_config)
        published = params.diagnostics
        return vim.lsp.diagnostic.on_publish_diagnostics(err, params, ctx, handler_config)
      end,
    },
    on_exit = function(code, signal)
      exit = { code = code, signal = signal }
    end,
  })
  if not client_id then
    error('vim.lsp.start_client could not start ' .. bin, 0)
  end
  if not vim.lsp.buf_attach_client(buf, client_id) then
    error('vim.lsp.buf_attach_client failed', 0)
  end
  local client = vim.lsp.get_client_by_id(client_id)
  local uri = vim.uri_from_bufnr(buf)

  local seen = vim.wait(TIMEOUT_MS, function()
    return has_code(buf, rule)
  end, 20)
  result.diagnostics = editor_diagnostics(buf)
  if not seen then
    error('no ' .. rule .. ' diagnostic within ' .. TIMEOUT_MS .. ' ms', 0)
  end

  -- A hover on the WORKDIR keyword.
  local lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
  local workdir
  for i, line in ipairs(lines) do
    if line:match('^WORKDIR') then
      workdir = i - 1
      break
    end
  end
  if not workdir then
    error('the Dockerfile has no WORKDIR line to hover', 0)
  end
  result.hover_position = { line = workdir, character = 2 }
  local hover, hover_err = client.request_sync('textDocument/hover', {
    textDocument = { uri = uri },
    position = result.hover_position,
  }, TIMEOUT_MS, buf)
  if not hover or hover.err or not hover.result then
    error('hover failed: ' .. vim.inspect(hover_err or hover), 0)
  end
  result.hover = hover.result.contents
  -- The Markdown lines Neovim's hover window shows.
  result.hover_lines = vim.lsp.util.convert_input_to_markdown_lines(hover.result.contents)

  -- The code actions at the rule's diagnostic, as the server published it.
  local target
  for _, d in ipairs(published) do
    if d.code == rule then
      target = d
      break
    end
  end
  if not target then
    error('the server published no ' .. rule .. ' diagnostic', 0)
  end
  local actions = client.request_sync('textDocument/codeAction', {
    textDocument = { uri = uri },
    range = target.range,
    context = { diagnostics = { target } },
  }, TIMEOUT_MS, buf)
  if not actions or actions.err then
    error('code actions failed: ' .. vim.inspect(actions), 0)
  end
  result.actions = {}
  local fix
  for _, action in ipairs(actions.result or {}) do
    result.actions[#result.actions + 1] = { title = action.title, kind = action.kind, preferred = action.isPreferred }
    if not fix and action.kind == 'quickfix' and action.isPreferred and action.edit then
      fix = action
    end
  end
  if not fix then
    error('no preferred quick fix with an edit among the code actions', 0)
  end
  result.applied = fix.title
  vim.lsp.util.apply_workspace_edit(fix.edit, client.offset_encoding)
  result.lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)

  -- The server sees the edit as a didChange and publishes the fixed text's diagnostics.
  local gone = vim.wait(TIMEOUT_MS, function()
    return #vim.diagnostic.get(buf) > 0 and not has_code(buf, rule)
  end, 20)
  result.diagnostics_after = editor_diagnostics(buf)
  if not gone then
    error('the ' .. rule .. ' diagnostic stayed after its fix', 0)
  end

  vim.lsp.stop_client(client_id)
  vim.wait(TIMEOUT_MS, function()
    return exit ~= nil
  end, 20)
  result.server_exit = exit
end

local function write(out, value)
  local file = assert(io.open(out, 'w'))
  file:write(vim.fn.json_encode(value))
  file:close()
end

local out = os.getenv('DOCKERFILE_LSP_NVIM_OUT')
local ok, failure = xpcall(run, debug.traceback)
if not ok then
  result.error = failure
end
if out then
  write(out, result)
end
if ok then
  vim.cmd('qall!')
else
  io.stderr:write(tostring(failure) .. '\n')
  vim.cmd('cquit')
end
