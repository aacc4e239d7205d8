//! Compiles the generated parsers and the Dockerfile external scanner.

fn main() {
    for (name, has_scanner) in [("dockerfile", true), ("dockerignore", false)] {
        let src_dir = std::path::Path::new(name).join("src");
        let mut build = cc::Build::new();
        build
            .std("c11")
            .include(&src_dir)
            .flag_if_supported("-Wno-unused-parameter")
            .flag_if_supported("-Wno-unused-but-set-variable")
            .flag_if_supported("-Wno-trigraphs");
        #[cfg(target_env = "msvc")]
        build.flag("-utf-8");
        let parser = src_dir.join("parser.c");
        build.file(&parser);
        println!("cargo:rerun-if-changed={}", parser.display());
        if has_scanner {
            let scanner = src_dir.join("scanner.c");
            build.file(&scanner);
            println!("cargo:rerun-if-changed={}", scanner.display());
        }
        build.compile(&format!("tree-sitter-{name}-lsp"));
    }
}
