//! Reads a Graphite target (graphite.md 4.1 grammar, 4.2 path globs) into an [`Expr`].
//! Owns the grammar, its size limits and its error messages. Knows no function names: an
//! unknown function parses fine and is the evaluator's error.
//! Unlike graphite-web it never ignores trailing junk nor degrades a broken call to a path:
//! whatever it cannot read is a [`ParseError`] with the byte offset and what was expected.
//! Deliberately wider than graphite-web where that only accepts more (each noted below):
//! keyword-only calls `f(k=1)`, nested and empty brace lists, `true.x` read as a path.

use std::fmt;

use super::ast::{Call, Expr, Span};

/// Real dashboards send targets of a few hundred bytes; 64 KiB bounds what one target can
/// make the parser and evaluator allocate, and is more than any HTTP client puts in a URL.
pub const MAX_TARGET_BYTES: usize = 64 * 1024;
/// The parser, the evaluator and `Drop` recurse once per nested call, on whatever thread
/// runs them; 64 levels (pipes count, they nest too) is far past any real target and keeps
/// that recursion to a few tens of KiB of stack.
pub const MAX_DEPTH: usize = 64;
/// Long explicit lists (`sumSeries(a, b, c, …)`) stay in the tens; 1000 bounds one call's
/// argument vectors while leaving room for generated targets.
pub const MAX_ARGS: usize = 1000;

/// A template's positional values and its `name=value` ones.
type TemplateValues = (Vec<Expr>, Vec<(String, Expr)>);

/// Symbols that end a path node unless backslash-escaped; '=' may also be escaped.
const PATH_SYMBOLS: &str = "(){},.'\"\\|";
const ESCAPABLE: &str = "(){},.'\"\\|=";
const ANY_ARGUMENT: &str = "a path, call, string, number, true/false, None or inf";

/// Why a target could not be read: where, what the grammar wanted there, and what was there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// Byte offset in the target.
    pub offset: usize,
    pub expected: String,
    /// The offending character quoted (`'.'`), or `end of input`.
    pub found: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "at byte {}: expected {}, found {}",
            self.offset, self.expected, self.found
        )
    }
}

impl std::error::Error for ParseError {}

/// Parses one whole target; leading and trailing whitespace is allowed.
pub fn parse(target: &str) -> Result<Expr, ParseError> {
    if target.len() > MAX_TARGET_BYTES {
        return Err(ParseError {
            offset: MAX_TARGET_BYTES,
            expected: format!("a target of at most {MAX_TARGET_BYTES} bytes"),
            found: format!("{} bytes", target.len()),
        });
    }
    let mut p = Parser {
        src: target,
        pos: 0,
    };
    p.skip_ws();
    if p.at_end() {
        return Err(p.fail("a target: a path, a function call or template(...)"));
    }
    let (expr, _) = p.expression(0, true)?;
    p.skip_ws();
    if !p.at_end() {
        return Err(p.fail("'|' or the end of the target"));
    }
    Ok(expr)
}

/// The path `text` reads as, if all of it is one path expression (used to print paths).
pub(crate) fn path_text(text: &str) -> Option<String> {
    let mut p = Parser { src: text, pos: 0 };
    match p.peek() {
        Some(c) if starts_path(c) => {}
        _ => return None,
    }
    let path = p.path().ok()?;
    p.at_end().then_some(path)
}

/// Whether `text` as an argument would be a number, boolean, None or inf rather than a path.
pub(crate) fn is_literal_text(text: &str) -> bool {
    let p = Parser { src: text, pos: 0 };
    matches!(p.literal_at(0), Some((_, end)) if end == text.len())
}

/// Whether `text` is exactly one quoted string (used to pick the quote when printing).
pub(crate) fn is_whole_string(text: &str) -> bool {
    let mut p = Parser { src: text, pos: 0 };
    p.string().is_ok() && p.at_end()
}

fn is_metric_char(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_graphic() && !PATH_SYMBOLS.contains(c)
    } else {
        // graphite-web's UTF8_METRICS; pencil's ingest accepts UTF-8 names, so queries must too.
        !c.is_whitespace() && !c.is_control()
    }
}

fn starts_path(c: char) -> bool {
    is_metric_char(c) || c == '\\' || c == '{'
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_ident_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn describe(src: &str, pos: usize) -> String {
    match src.get(pos..).and_then(|rest| rest.chars().next()) {
        Some(c) => format!("{c:?}"),
        None => "end of input".to_string(),
    }
}

/// A cursor over the target; `pos` is always on a char boundary.
struct Parser<'a> {
    src: &'a str,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn at_end(&self) -> bool {
        self.pos >= self.src.len()
    }

    fn peek(&self) -> Option<char> {
        self.src.get(self.pos..)?.chars().next()
    }

    fn byte_at(&self, at: usize) -> Option<u8> {
        self.src.as_bytes().get(at).copied()
    }

    /// pyparsing's default whitespace, skipped between any two tokens but never inside one.
    fn after_ws(&self, mut at: usize) -> usize {
        while matches!(self.byte_at(at), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            at += 1;
        }
        at
    }

    fn skip_ws(&mut self) {
        self.pos = self.after_ws(self.pos);
    }

    fn fail(&self, expected: impl Into<String>) -> ParseError {
        ParseError {
            offset: self.pos,
            expected: expected.into(),
            found: describe(self.src, self.pos),
        }
    }

    fn too_deep(&self, at: usize) -> ParseError {
        ParseError {
            offset: at,
            expected: format!(
                "at most {MAX_DEPTH} levels of nested calls (pipes count as nesting)"
            ),
            found: "a deeper call".to_string(),
        }
    }

    fn ident_end(&self, at: usize) -> Option<usize> {
        if !is_ident_start(self.byte_at(at)?) {
            return None;
        }
        let mut end = at + 1;
        while self.byte_at(end).is_some_and(is_ident_char) {
            end += 1;
        }
        Some(end)
    }

    /// End of the function name if a call starts at `at`: a name, optional spaces, '('.
    fn call_name_at(&self, at: usize) -> Option<usize> {
        let end = self.ident_end(at)?;
        (self.byte_at(self.after_ws(end)) == Some(b'(')).then_some(end)
    }

    /// A keyword argument's name and the position after its '=', if one starts at `at`.
    fn keyword_at(&self, at: usize) -> Option<(&'a str, usize)> {
        let end = self.ident_end(at)?;
        let eq = self.after_ws(end);
        (self.byte_at(eq) == Some(b'=')).then(|| (&self.src[at..end], eq + 1))
    }

    /// `(template | call | path) ('|' call)*`; returns the tree and its height in calls.
    fn expression(
        &mut self,
        depth: usize,
        allow_template: bool,
    ) -> Result<(Expr, usize), ParseError> {
        let start = self.pos;
        let (mut expr, mut height) = self.head(depth, allow_template)?;
        loop {
            let left_end = self.pos;
            self.skip_ws();
            if self.byte_at(self.pos) != Some(b'|') {
                self.pos = left_end;
                return Ok((expr, height));
            }
            self.pos += 1;
            self.skip_ws();
            let name_start = self.pos;
            let Some(name_end) = self.call_name_at(name_start) else {
                return Err(self.fail("a function call after '|'"));
            };
            if height >= MAX_DEPTH {
                return Err(self.too_deep(name_start));
            }
            // graphite-web reads `a|template(x=1)` as `template(a, x=1)`. As a plain call it
            // would print as that text and read back as a different tree.
            if &self.src[name_start..name_end] == "template" {
                if !allow_template || matches!(expr, Expr::Template { .. }) {
                    self.pos = name_start;
                    return Err(self.fail("a function call after '|': template(...) does not nest"));
                }
                self.pos = self.after_ws(name_end) + 1;
                let (args, kwargs) = self.template_values(false)?;
                expr = Expr::Template {
                    expr: Box::new(expr),
                    args,
                    kwargs,
                };
                height += 1;
                continue;
            }
            let left = (
                expr,
                Span {
                    start,
                    end: left_end,
                },
                height,
            );
            let (call, call_height) = self.call(name_start, name_end, depth, Some(left))?;
            expr = Expr::Call(call);
            height = call_height;
        }
    }

    fn head(&mut self, depth: usize, allow_template: bool) -> Result<(Expr, usize), ParseError> {
        let start = self.pos;
        if let Some(name_end) = self.call_name_at(start) {
            if depth >= MAX_DEPTH {
                return Err(self.too_deep(start));
            }
            if &self.src[start..name_end] == "template" {
                if !allow_template {
                    return Err(self.fail("a path or a function call: template(...) does not nest"));
                }
                return self.template(name_end, depth);
            }
            let (call, height) = self.call(start, name_end, depth, None)?;
            return Ok((Expr::Call(call), height));
        }
        match self.peek() {
            Some(c) if starts_path(c) => Ok((Expr::Path(self.path()?), 0)),
            _ => Err(self.fail("a path, a function call or template(...)")),
        }
    }

    /// From the name to the closing ')'. `piped` is the left side of a '|', with its span and height.
    fn call(
        &mut self,
        start: usize,
        name_end: usize,
        depth: usize,
        piped: Option<(Expr, Span, usize)>,
    ) -> Result<(Call, usize), ParseError> {
        let mut call = Call {
            name: self.src[start..name_end].to_string(),
            args: Vec::new(),
            kwargs: Vec::new(),
            span: Span { start, end: start },
            arg_spans: Vec::new(),
            kwarg_spans: Vec::new(),
        };
        let mut child_height = 0;
        if let Some((left, span, height)) = piped {
            call.span.start = span.start;
            call.args.push(left);
            call.arg_spans.push(span);
            child_height = height;
        }
        self.pos = self.after_ws(name_end) + 1;
        self.skip_ws();
        if self.byte_at(self.pos) == Some(b')') {
            self.pos += 1;
        } else {
            child_height = child_height.max(self.arguments(&mut call, depth)?);
        }
        call.span.end = self.pos;
        if child_height >= MAX_DEPTH {
            return Err(self.too_deep(start));
        }
        Ok((call, child_height + 1))
    }

    /// `arg (',' arg)*` with keyword arguments last, through the closing ')'; returns the
    /// tallest argument's height.
    fn arguments(&mut self, call: &mut Call, depth: usize) -> Result<usize, ParseError> {
        let mut height = 0;
        let mut expected = format!("an argument ({ANY_ARGUMENT}) or ')'");
        loop {
            self.skip_ws();
            if call.args.len() + call.kwargs.len() >= MAX_ARGS {
                return Err(ParseError {
                    offset: self.pos,
                    expected: format!("at most {MAX_ARGS} arguments to {}()", call.name),
                    found: "another argument".to_string(),
                });
            }
            let start = self.pos;
            if let Some((name, value_start)) = self.keyword_at(start) {
                if call.kwarg(name).is_some() {
                    return Err(ParseError {
                        offset: start,
                        expected: format!("each keyword argument once in {}()", call.name),
                        found: format!("a second '{name}='"),
                    });
                }
                self.pos = self.after_ws(value_start);
                let value_pos = self.pos;
                let (value, h) = self.argument(
                    depth + 1,
                    &format!("a value for '{name}=' ({ANY_ARGUMENT})"),
                )?;
                call.kwargs.push((name.to_string(), value));
                call.kwarg_spans.push(Span {
                    start: value_pos,
                    end: self.pos,
                });
                height = height.max(h);
            } else if !call.kwargs.is_empty() {
                return Err(self.fail("a keyword argument (name=value): positional arguments go before keyword arguments"));
            } else {
                let (value, h) = self.argument(depth + 1, &expected)?;
                call.args.push(value);
                call.arg_spans.push(Span {
                    start,
                    end: self.pos,
                });
                height = height.max(h);
            }
            self.skip_ws();
            match self.byte_at(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b')') => {
                    self.pos += 1;
                    return Ok(height);
                }
                _ => return Err(self.fail("',' or ')' after argument")),
            }
            expected = format!("an argument after ',' ({ANY_ARGUMENT})");
        }
    }

    fn argument(&mut self, depth: usize, expected: &str) -> Result<(Expr, usize), ParseError> {
        let Some(c) = self.peek() else {
            return Err(self.fail(expected));
        };
        if c == '\'' || c == '"' {
            return Ok((Expr::Str(self.string()?), 0));
        }
        if let Some((literal, end)) = self.literal_at(self.pos) {
            self.pos = end;
            return Ok((literal, 0));
        }
        if starts_path(c) {
            return self.expression(depth, true);
        }
        if c == '.'
            && self
                .byte_at(self.pos + 1)
                .is_some_and(|b| b.is_ascii_digit())
        {
            return Err(self.fail("an argument (a number needs a digit before its '.', as in 0.5)"));
        }
        Err(self.fail(expected))
    }

    /// A number, boolean, None or inf at `at` and its end. Like graphite-web, a literal counts
    /// only when ',' or ')' or the end follows; otherwise the same text is a path (`1.5.a`, `true.x`).
    fn literal_at(&self, at: usize) -> Option<(Expr, usize)> {
        let (literal, end) = self.number_at(at).or_else(|| self.word_literal_at(at))?;
        self.ends_literal(end).then_some((literal, end))
    }

    fn ends_literal(&self, end: usize) -> bool {
        matches!(self.byte_at(self.after_ws(end)), None | Some(b',' | b')'))
    }

    /// `-?[0-9]+ (\.[0-9]+)? ([eE]-?[0-9]+)?`; no leading '+', no bare '.5' or '5.'.
    fn number_at(&self, at: usize) -> Option<(Expr, usize)> {
        let digits_end = |from: usize| {
            let mut end = from;
            while self.byte_at(end).is_some_and(|b| b.is_ascii_digit()) {
                end += 1;
            }
            (end > from).then_some(end)
        };
        let sign_end = if self.byte_at(at) == Some(b'-') {
            at + 1
        } else {
            at
        };
        let mut end = digits_end(sign_end)?;
        let mut is_int = true;
        if self.byte_at(end) == Some(b'.') {
            if let Some(fraction_end) = digits_end(end + 1) {
                end = fraction_end;
                is_int = false;
            }
        }
        if matches!(self.byte_at(end), Some(b'e' | b'E')) {
            let exp_sign_end = if self.byte_at(end + 1) == Some(b'-') {
                end + 2
            } else {
                end + 1
            };
            if let Some(exponent_end) = digits_end(exp_sign_end) {
                end = exponent_end;
                is_int = false;
            }
        }
        let text = &self.src[at..end];
        // An int past i64 becomes a float (Python would keep it exact; no function needs that).
        let value = match text.parse::<i64>() {
            Ok(n) if is_int => Expr::Int(n),
            _ => Expr::Float(text.parse().ok()?),
        };
        Some((value, end))
    }

    /// The case-insensitive words true, false, none and inf.
    fn word_literal_at(&self, at: usize) -> Option<(Expr, usize)> {
        let mut end = at;
        while self.byte_at(end).is_some_and(|b| b.is_ascii_alphabetic()) {
            end += 1;
        }
        let word = &self.src[at..end];
        let literal = if word.eq_ignore_ascii_case("true") {
            Expr::Bool(true)
        } else if word.eq_ignore_ascii_case("false") {
            Expr::Bool(false)
        } else if word.eq_ignore_ascii_case("none") {
            Expr::None
        } else if word.eq_ignore_ascii_case("inf") {
            Expr::Float(f64::INFINITY)
        } else {
            return None;
        };
        Some((literal, end))
    }

    /// A '…' or "…" string; returns the text between the quotes as written. A backslash
    /// keeps the next character from ending the string, and a doubled quote stands for
    /// itself, as in pyparsing's quotedString; nothing is unescaped.
    fn string(&mut self) -> Result<String, ParseError> {
        let open = self.pos;
        let quote = self.byte_at(open).filter(|b| matches!(b, b'\'' | b'"'));
        let Some(quote) = quote else {
            return Err(self.fail("a quoted string"));
        };
        let mut at = open + 1;
        loop {
            match self.byte_at(at) {
                None => {
                    return Err(ParseError {
                        offset: self.src.len(),
                        expected: format!(
                            "{} to close the string opened at byte {open}",
                            quote as char
                        ),
                        found: "end of input".to_string(),
                    })
                }
                // Skipping one byte after '\' may land inside a multi-byte char; its other
                // bytes are >= 0x80 and match nothing below, so the scan stays correct.
                Some(b'\\') => at += 2,
                Some(b) if b == quote && self.byte_at(at + 1) == Some(quote) => at += 2,
                Some(b) if b == quote => break,
                Some(_) => at += 1,
            }
        }
        self.pos = at + 1;
        Ok(self.src[open + 1..at].to_string())
    }

    /// `node ('.' node)*`, escapes removed.
    fn path(&mut self) -> Result<String, ParseError> {
        let mut path = String::new();
        loop {
            let node_start = self.pos;
            self.node(&mut path)?;
            if self.pos == node_start {
                return Err(self.fail("a path node after '.'"));
            }
            if self.byte_at(self.pos) != Some(b'.') {
                return Ok(path);
            }
            path.push('.');
            self.pos += 1;
        }
    }

    /// Metric characters, escapes and brace lists, up to the next '.' or anything else.
    fn node(&mut self, out: &mut String) -> Result<(), ParseError> {
        loop {
            match self.peek() {
                Some('\\') => self.escape(out)?,
                Some('{') => self.braces(out)?,
                Some(c) if is_metric_char(c) => {
                    out.push(c);
                    self.pos += c.len_utf8();
                }
                _ => return Ok(()),
            }
        }
    }

    /// `{a,b}`. graphite-web's grammar takes neither nested nor empty alternatives, but its
    /// finder expands both (graphite.md 4.2), so they are accepted. A counter, not recursion,
    /// tracks nesting so `{{{{…` cannot exhaust the stack.
    fn braces(&mut self, out: &mut String) -> Result<(), ParseError> {
        let open = self.pos;
        let mut level = 0usize;
        loop {
            match self.peek() {
                Some('{') => {
                    level += 1;
                    out.push('{');
                    self.pos += 1;
                }
                Some('}') => {
                    level -= 1;
                    out.push('}');
                    self.pos += 1;
                    if level == 0 {
                        return Ok(());
                    }
                }
                Some(',') => {
                    out.push(',');
                    self.pos += 1;
                }
                Some('\\') => self.escape(out)?,
                Some(c) if is_metric_char(c) => {
                    out.push(c);
                    self.pos += c.len_utf8();
                }
                _ => return Err(self.fail(format!("',' or '}}' to close the '{{' at byte {open}"))),
            }
        }
    }

    /// `\` and one of `(){},.'"\|=`: the symbol is kept, the backslash dropped.
    fn escape(&mut self, out: &mut String) -> Result<(), ParseError> {
        self.pos += 1;
        match self.peek() {
            Some(c) if ESCAPABLE.contains(c) => {
                out.push(c);
                self.pos += 1;
                Ok(())
            }
            _ => Err(self.fail("one of ( ) { } , . ' \" \\ | = after '\\' in a path")),
        }
    }

    /// After `template`: `'(' (call | path) ('|' call)* (',' value)* ')'` where values are
    /// numbers or strings, positional before `name=value`. graphite-web takes only one kind
    /// per template; mixing them is accepted here with the same order rule as calls.
    fn template(&mut self, name_end: usize, depth: usize) -> Result<(Expr, usize), ParseError> {
        let start = name_end - "template".len();
        self.pos = self.after_ws(name_end) + 1;
        self.skip_ws();
        let (inner, inner_height) = self.expression(depth + 1, false)?;
        if inner_height >= MAX_DEPTH {
            return Err(self.too_deep(start));
        }
        let (args, kwargs) = self.template_values(true)?;
        let template = Expr::Template {
            expr: Box::new(inner),
            args,
            kwargs,
        };
        Ok((template, inner_height + 1))
    }

    /// A template's values up to and including its ')': each after a ',' when they follow the
    /// inner expression (`after_expr`), the first without one when the expression was piped in.
    fn template_values(&mut self, after_expr: bool) -> Result<TemplateValues, ParseError> {
        let mut args = Vec::new();
        let mut kwargs: Vec<(String, Expr)> = Vec::new();
        let mut first = true;
        loop {
            self.skip_ws();
            match self.byte_at(self.pos) {
                Some(b')') => {
                    self.pos += 1;
                    return Ok((args, kwargs));
                }
                Some(b',') if after_expr || !first => self.pos += 1,
                _ if !after_expr && first => {}
                _ => return Err(self.fail("',' or ')' in template(...)")),
            }
            first = false;
            self.skip_ws();
            if args.len() + kwargs.len() >= MAX_ARGS {
                return Err(ParseError {
                    offset: self.pos,
                    expected: format!("at most {MAX_ARGS} values in template(...)"),
                    found: "another value".to_string(),
                });
            }
            if let Some((name, value_start)) = self.keyword_at(self.pos) {
                if kwargs.iter().any(|(k, _)| k == name) {
                    return Err(ParseError {
                        offset: self.pos,
                        expected: "each template value name once".to_string(),
                        found: format!("a second '{name}='"),
                    });
                }
                self.pos = self.after_ws(value_start);
                kwargs.push((name.to_string(), self.template_value()?));
            } else if !kwargs.is_empty() {
                return Err(
                    self.fail("a named value (name=value): positional values go before named ones")
                );
            } else {
                args.push(self.template_value()?);
            }
        }
    }

    fn template_value(&mut self) -> Result<Expr, ParseError> {
        if matches!(self.peek(), Some('\'' | '"')) {
            return Ok(Expr::Str(self.string()?));
        }
        match self.number_at(self.pos) {
            Some((value, end)) if self.ends_literal(end) => {
                self.pos = end;
                Ok(value)
            }
            _ => Err(self.fail("a number or a string (template values are literals)")),
        }
    }
}

#[cfg(test)]
#[rustfmt::skip]
mod tests {
    use super::*;

    /// `ok!(target, canonical)`: the target parses, and prints as the canonical text.
    macro_rules! ok {
        ($target:expr, $printed:expr) => {{
            let target: &str = $target;
            match parse(target) {
                Ok(expr) => assert_eq!(expr.to_string(), $printed, "target {target:?}"),
                Err(e) => panic!("target {target:?} did not parse: {e}"),
            }
        }};
    }

    /// `path!(target, path)`: the target is one path expression with exactly this text.
    macro_rules! path {
        ($target:expr, $path:expr) => {{
            let target: &str = $target;
            assert_eq!(
                parse(target),
                Ok(Expr::Path($path.to_string())),
                "target {target:?}"
            )
        }};
    }

    /// `err!(target, message)`: the target is refused with exactly this message.
    macro_rules! err {
        ($target:expr, $message:expr) => {{
            let target: &str = $target;
            match parse(target) {
                Ok(expr) => panic!("target {target:?} parsed as {expr}, expected an error"),
                Err(e) => assert_eq!(e.to_string(), $message, "target {target:?}"),
            }
        }};
    }

    #[test]
    fn paths_and_globs() {
        path!("a", "a");
        path!("a.b.c", "a.b.c");
        path!("  app.node-1.env  ", "app.node-1.env");
        path!("a.*.c", "a.*.c");
        path!("a.b?.c*d", "a.b?.c*d");
        path!("a.[a-z0-9].[!abc]", "a.[a-z0-9].[!abc]");
        path!("a.{b,c}.d", "a.{b,c}.d");
        path!("{a,b}x{c,d}.e", "{a,b}x{c,d}.e");
        path!("a.pre{b,c*}post", "a.pre{b,c*}post");
        path!("a.{b,{c,d}}", "a.{b,{c,d}}");
        path!("a.{}", "a.{}");
        path!("a.{b,}", "a.{b,}");
        path!("a.**", "a.**");
        path!("1.5.a", "1.5.a");
        path!("5", "5");
        path!("-1", "-1");
        path!("true", "true");
        path!("inf.x", "inf.x");
        path!("a=b;c=d", "a=b;c=d");
        path!("$host.cpu", "$host.cpu");
        path!("a-b_c:d@e+f~g#h%i&j<k>l/m^n!o`p", "a-b_c:d@e+f~g#h%i&j<k>l/m^n!o`p");
        path!("héllo.wörld", "héllo.wörld");
        // Backslash-escaped symbols stay in the path without their backslash.
        path!(r"a\.b", "a.b");
        path!(r#"a\(1\)\,\{x\}\'\"\\\|\="#, r#"a(1),{x}'"\|="#);
        path!(r"a.{b\,c,d}", "a.{b,c,d}");
        path!("template.x", "template.x");
        path!("sumSeries", "sumSeries");
    }

    #[test]
    fn calls_and_arguments() {
        ok!("sumSeries(a.*.c, 2, 'x', k=true)", r#"sumSeries(a.*.c, 2, "x", k=true)"#);
        ok!("f()", "f()");
        ok!("f( )", "f()");
        ok!(" f ( a , b ) ", "f(a, b)");
        ok!("f(a,b,c)", "f(a, b, c)");
        ok!("f(g(h(a.b)), i())", "f(g(h(a.b)), i())");
        ok!("_f1(x)", "_f1(x)");
        ok!("alias(sumSeries(app.*.success),\"books sold\")", r#"alias(sumSeries(app.*.success), "books sold")"#);
        ok!("f(k=1)", "f(k=1)");
        ok!("f(a, k = 1, l=g(b))", "f(a, k=1, l=g(b))");
        ok!("f(a, k=b.c)", "f(a, k=b.c)");
        ok!("f(a.b=c)", r"f(a.b\=c)");
        ok!("f(k==b)", r"f(k=\=b)");
        // An unknown name is the evaluator's business, not the grammar's.
        ok!("noSuchFunction(a)", "noSuchFunction(a)");
    }

    #[test]
    fn literals() {
        ok!("f(1, -2, 0, 007)", "f(1, -2, 0, 7)");
        ok!("f(1.5, -0.25, 10.0)", "f(1.5, -0.25, 10.0)");
        ok!("f(1e3, 1E-3, -2.5e10, 1.5e0)", "f(1000.0, 0.001, -25000000000.0, 1.5)");
        ok!("f(1e400, -1e400)", "f(inf, -1e999)");
        ok!("f(9223372036854775807, -9223372036854775808)", "f(9223372036854775807, -9223372036854775808)");
        ok!("f(9223372036854775808)", "f(9.223372036854776e18)");
        ok!("f(true, FALSE, True, fAlSe)", "f(true, false, true, false)");
        ok!("f(none, None, NONE)", "f(None, None, None)");
        ok!("f(inf, INF, Inf)", "f(inf, inf, inf)");
        ok!("f(1 , 2 )", "f(1, 2)");
        // A literal needs ',' or ')' after it; otherwise the same text is a path.
        ok!("f(1.5.a)", "f(1.5.a)");
        ok!("f(1e5x, 1e, 1.e5, -, 1e+5)", "f(1e5x, 1e, 1.e5, -, 1e+5)");
        ok!("f(true.x, none_y, inf2, nan)", "f(true.x, none_y, inf2, nan)");
        ok!("f(-inf)", "f(-inf)");
        // '+' is a metric character (graphite.md 4.1), so `+5` is the path `+5`, not a number.
        ok!("f(+5)", "f(+5)");
    }

    #[test]
    fn strings_keep_their_escapes() {
        ok!(r#"f("a b", 'c d')"#, r#"f("a b", "c d")"#);
        ok!(r#"f('it"s')"#, r#"f('it"s')"#);
        ok!(r#"f("it's")"#, r#"f("it's")"#);
        ok!(r#"f('')"#, r#"f("")"#);
        ok!(r#"aliasSub(a, "^app\.([^.]+)\..*", "\1")"#, r#"aliasSub(a, "^app\.([^.]+)\..*", "\1")"#);
        ok!(r#"f('a\'b')"#, r#"f("a\'b")"#);
        ok!(r#"f("a\"b")"#, r#"f("a\"b")"#);
        ok!(r#"f('a''b')"#, r#"f("a''b")"#);
        ok!(r#"f("x,y)")"#, r#"f("x,y)")"#);
        ok!(r#"f("é\n")"#, r#"f("é\n")"#);
        let Ok(Expr::Call(call)) = parse(r#"f('a\'b', "\\")"#) else {
            panic!("did not parse")
        };
        assert_eq!(
            call.args,
            [Expr::Str(r"a\'b".into()), Expr::Str(r"\\".into())]
        );
    }

    #[test]
    fn pipes() {
        ok!("a.b|scale(2)|alias('x')", r#"alias(scale(a.b, 2), "x")"#);
        ok!("a.b | scale(2) |  alias('x')", r#"alias(scale(a.b, 2), "x")"#);
        ok!("a|f()", "f(a)");
        ok!("a|f(k=1)", "f(a, k=1)");
        ok!("sumSeries(a)|f(b)", "f(sumSeries(a), b)");
        ok!("g(a|f(), b|h(1))", "g(f(a), h(b, 1))");
        ok!("g(k=a|f())", "g(k=f(a))");
        // The left side of a pipe is an expression, never a literal.
        ok!("1|f()", "1|f()");
        ok!("g(true|f(2))", "g(true|f(2))");
        ok!("template(a.$x, x=1)|f()", "f(template(a.$x, x=1))");
        // Found by fuzz/fuzz_targets/parse.rs: a piped template printed as one that did not parse.
        ok!("a.$x|template(x='b')", r#"template(a.$x, x="b")"#);
        ok!("f(a)|template( 1 , x=2 )|g()", "g(template(f(a), 1, x=2))");
        ok!("a|template()", "template(a)");
    }

    #[test]
    fn templates() {
        ok!("template(a.$1.c, 'b')", r#"template(a.$1.c, "b")"#);
        ok!("template(sumSeries(a.$x), x='b')", r#"template(sumSeries(a.$x), x="b")"#);
        ok!("template(a.$x)", "template(a.$x)");
        ok!("template ( a.$x , 1 , 2.5 , x = 'y' )", r#"template(a.$x, 1, 2.5, x="y")"#);
        ok!("template(a.$x|f(), x=1)", "template(f(a.$x), x=1)");
        ok!("f(template(a.$x, x=1))", "f(template(a.$x, x=1))");
        ok!("templateX(a)", "templateX(a)");
        ok!("template(a, 1e999, x=-1e999)", "template(a, 1e999, x=-1e999)");
    }

    #[test]
    fn spans_give_the_source_of_calls_and_arguments() {
        let target = "sumSeries( a.{b,c} , seriesByTag('name=x') , k = g(1) )|alias('y')";
        let Ok(Expr::Call(alias)) = parse(target) else {
            panic!("did not parse")
        };
        assert_eq!(alias.source(target), target);
        assert_eq!(
            alias.arg_source(0, target),
            Some("sumSeries( a.{b,c} , seriesByTag('name=x') , k = g(1) )")
        );
        assert_eq!(alias.arg_source(1, target), Some("'y'"));
        let Expr::Call(sum) = &alias.args[0] else {
            panic!("not a call")
        };
        assert_eq!(sum.arg_source(0, target), Some("a.{b,c}"));
        assert_eq!(sum.arg_source(2, target), None);
        let Expr::Call(by_tag) = &sum.args[1] else {
            panic!("not a call")
        };
        assert_eq!(by_tag.source(target), "seriesByTag('name=x')");
        assert_eq!(sum.kwarg_spans[0].text(target), "g(1)");
        assert_eq!(
            sum.kwarg("k").map(|v| v.to_string()),
            Some("g(1)".to_string())
        );
    }

    #[test]
    fn errors_carry_offset_and_expectation() {
        err!("a|template(b.c)", "at byte 11: expected a number or a string (template values are literals), found 'b'");
        err!("template(a)|template(x=1)", "at byte 12: expected a function call after '|': template(...) does not nest, found 't'");
        err!("template(a|template(x=1))", "at byte 11: expected a function call after '|': template(...) does not nest, found 't'");
        err!("", "at byte 0: expected a target: a path, a function call or template(...), found end of input");
        err!("   ", "at byte 3: expected a target: a path, a function call or template(...), found end of input");
        err!("scale(a.b, .5)", "at byte 11: expected an argument (a number needs a digit before its '.', as in 0.5), found '.'");
        err!("scale(a.b, 5.)", "at byte 13: expected a path node after '.', found ')'");
        err!("sumSeries(a.b", "at byte 13: expected ',' or ')' after argument, found end of input");
        err!("a.b)", "at byte 3: expected '|' or the end of the target, found ')'");
        err!("a.b junk", "at byte 4: expected '|' or the end of the target, found 'j'");
        err!("f(a.b junk)", "at byte 6: expected ',' or ')' after argument, found 'j'");
        err!("f(x=1, 2)", "at byte 7: expected a keyword argument (name=value): positional arguments go before keyword arguments, found '2'");
        err!("f(x=1, x=2)", "at byte 7: expected each keyword argument once in f(), found a second 'x='");
        err!("'unterminated", "at byte 0: expected a path, a function call or template(...), found '\\''");
        err!("f('unterminated", "at byte 15: expected ' to close the string opened at byte 2, found end of input");
        err!(r#"f("a\")"#, "at byte 7: expected \" to close the string opened at byte 2, found end of input");
        err!("f(,)", "at byte 2: expected an argument (a path, call, string, number, true/false, None or inf) or ')', found ','");
        err!("f(a,)", "at byte 4: expected an argument after ',' (a path, call, string, number, true/false, None or inf), found ')'");
        err!("f(a,,b)", "at byte 4: expected an argument after ',' (a path, call, string, number, true/false, None or inf), found ','");
        err!("f(k=)", "at byte 4: expected a value for 'k=' (a path, call, string, number, true/false, None or inf), found ')'");
        err!("f(a", "at byte 3: expected ',' or ')' after argument, found end of input");
        err!("f(", "at byte 2: expected an argument (a path, call, string, number, true/false, None or inf) or ')', found end of input");
        err!("f('x'.y)", "at byte 5: expected ',' or ')' after argument, found '.'");
        err!("f('x'|g())", "at byte 5: expected ',' or ')' after argument, found '|'");
        err!("a.", "at byte 2: expected a path node after '.', found end of input");
        err!("a..b", "at byte 2: expected a path node after '.', found '.'");
        err!(".a", "at byte 0: expected a path, a function call or template(...), found '.'");
        err!("a.{b,c", "at byte 6: expected ',' or '}' to close the '{' at byte 2, found end of input");
        err!("a.{b.c}", "at byte 4: expected ',' or '}' to close the '{' at byte 2, found '.'");
        err!("a}", "at byte 1: expected '|' or the end of the target, found '}'");
        err!(r"a\d", "at byte 2: expected one of ( ) { } , . ' \" \\ | = after '\\' in a path, found 'd'");
        err!(r"a\", "at byte 2: expected one of ( ) { } , . ' \" \\ | = after '\\' in a path, found end of input");
        err!("a|b", "at byte 2: expected a function call after '|', found 'b'");
        err!("a|", "at byte 2: expected a function call after '|', found end of input");
        err!("a|'x'", "at byte 2: expected a function call after '|', found '\\''");
        err!("f(1 2)", "at byte 4: expected ',' or ')' after argument, found '2'");
        err!("f(a b)", "at byte 4: expected ',' or ')' after argument, found 'b'");
        err!("f(a)(b)", "at byte 4: expected '|' or the end of the target, found '('");
        err!("template(a.$x, b)", "at byte 15: expected a number or a string (template values are literals), found 'b'");
        err!("template(a.$x, x=true)", "at byte 17: expected a number or a string (template values are literals), found 't'");
        err!("template(a.$x, x=1, 2)", "at byte 20: expected a named value (name=value): positional values go before named ones, found '2'");
        err!("template(template(a))", "at byte 9: expected a path or a function call: template(...) does not nest, found 't'");
        err!("template(a.$x 1)", "at byte 14: expected ',' or ')' in template(...), found '1'");
        err!("template('a')", "at byte 9: expected a path, a function call or template(...), found '\\''");
        err!("f(a.b\u{0}c)", "at byte 5: expected ',' or ')' after argument, found '\\0'");
    }

    #[test]
    fn limits_are_clear_errors() {
        let nested = |levels: usize| "f(".repeat(levels) + "x" + &")".repeat(levels);
        ok!(&nested(MAX_DEPTH), nested(MAX_DEPTH));
        err!(&nested(100), "at byte 128: expected at most 64 levels of nested calls (pipes count as nesting), found a deeper call");
        let piped = |pipes: usize| "x".to_string() + &"|f()".repeat(pipes);
        assert!(parse(&piped(MAX_DEPTH)).is_ok());
        err!(&piped(MAX_DEPTH + 1), "at byte 258: expected at most 64 levels of nested calls (pipes count as nesting), found a deeper call");
        // Pipes inside the deepest argument still count towards the height.
        let mixed = "f(".repeat(MAX_DEPTH - 1) + "x|g()" + &")".repeat(MAX_DEPTH - 1);
        assert!(parse(&mixed).is_ok());
        let mixed = "f(".repeat(MAX_DEPTH - 1) + "x|g()|g()" + &")".repeat(MAX_DEPTH - 1);
        assert!(parse(&mixed).is_err());
        err!(&("template(".to_string() + &nested(MAX_DEPTH) + ")"), "at byte 135: expected at most 64 levels of nested calls (pipes count as nesting), found a deeper call");
        let call = |args: usize| format!("f({})", vec!["1"; args].join(","));
        assert!(parse(&call(MAX_ARGS)).is_ok());
        err!(&call(MAX_ARGS + 1), "at byte 2002: expected at most 1000 arguments to f(), found another argument");
        let long = "a".repeat(MAX_TARGET_BYTES);
        path!(&long, &long);
        err!(&(long + "b"), "at byte 65536: expected a target of at most 65536 bytes, found 65537 bytes");
        // Deep brace nesting is counted, not recursed.
        let braces = "{".repeat(20_000) + &"}".repeat(20_000);
        path!(&braces, &braces);
    }

    /// The conformance data set's real targets (tab-separated, first field; a copy of
    /// ../shared/cases/targets.txt kept in the repository so a fresh clone has it) must all parse.
    #[test]
    fn shared_targets_all_parse() {
        let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/golden/conformance/targets.txt");
        let text =
            std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let targets: Vec<&str> = text
            .lines()
            .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
            .filter_map(|line| line.split('\t').next())
            .collect();
        assert!(
            targets.len() > 20,
            "{} lists only {} targets",
            file.display(),
            targets.len()
        );
        for target in targets {
            let expr = parse(target).unwrap_or_else(|e| panic!("{target:?}: {e}"));
            assert_eq!(
                parse(&expr.to_string()).map(|e| e.to_string()),
                Ok(expr.to_string())
            );
        }
    }
}
