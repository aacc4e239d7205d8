//! The `dockerfile-lsp` executable; everything lives in the library.

fn main() -> std::process::ExitCode {
    dockerfile_lsp::cli::main()
}
