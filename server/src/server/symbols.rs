//! Document symbols: the stages with their instructions, and the global ARGs before them.

use ropey::Rope;
use tower_lsp_server::ls_types::{DocumentSymbol, SymbolKind};

use super::convert::range;
use crate::position::PositionEncoding;
use crate::syntax::{Dockerfile, Instruction, InstructionKind};

pub(crate) fn document_symbols(
    file: &Dockerfile<'_>,
    text: &Rope,
    encoding: PositionEncoding,
) -> Vec<DocumentSymbol> {
    let mut symbols: Vec<DocumentSymbol> = file
        .preamble()
        .iter()
        .map(|i| instruction_symbol(i, text, encoding))
        .collect();
    for stage in file.stages() {
        let image = stage.image_node().map(|n| stage.from.text(n)).unwrap_or("");
        let name = match stage.name() {
            Some(name) => name.to_owned(),
            None => format!("stage {}", stage.index),
        };
        let selection = stage.from.node().byte_range();
        #[allow(deprecated)] // `deprecated` is a required field of the struct
        symbols.push(DocumentSymbol {
            name,
            detail: Some(format!("FROM {image}")),
            kind: SymbolKind::MODULE,
            tags: None,
            deprecated: None,
            range: range(text, stage.node.byte_range(), encoding),
            selection_range: range(text, selection, encoding),
            children: Some(
                stage
                    .instructions
                    .iter()
                    .map(|i| instruction_symbol(i, text, encoding))
                    .collect(),
            ),
        });
    }
    symbols
}

fn instruction_symbol(
    instruction: &Instruction<'_>,
    text: &Rope,
    encoding: PositionEncoding,
) -> DocumentSymbol {
    let keyword = instruction.keyword_text().to_uppercase();
    let rest = instruction.rest();
    let summary: String = rest.chars().take(60).collect();
    let name = if summary.is_empty() {
        keyword.clone()
    } else {
        format!("{keyword} {summary}")
    };
    let kind = match instruction.kind() {
        InstructionKind::Arg | InstructionKind::Env => SymbolKind::VARIABLE,
        InstructionKind::Label => SymbolKind::PROPERTY,
        InstructionKind::Expose => SymbolKind::INTERFACE,
        InstructionKind::Cmd | InstructionKind::Entrypoint | InstructionKind::Healthcheck => {
            SymbolKind::EVENT
        }
        _ => SymbolKind::FUNCTION,
    };
    let keyword_range = instruction
        .keyword()
        .map_or(instruction.node().byte_range(), |k| k.byte_range());
    #[allow(deprecated)] // `deprecated` is a required field of the struct
    DocumentSymbol {
        name,
        detail: None,
        kind,
        tags: None,
        deprecated: None,
        range: range(text, instruction.node().byte_range(), encoding),
        selection_range: range(text, keyword_range, encoding),
        children: None,
    }
}
