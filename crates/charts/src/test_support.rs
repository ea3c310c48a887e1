//! Test-only checks on rendered SVG: a tiny well-formedness checker and a
//! coordinate extractor. Deliberately not a full XML parser; the writer only
//! produces elements, attributes in double quotes and escaped text.

/// Checks that tags are balanced and properly nested, that there is exactly
/// one root `<svg>`, that attribute quotes are balanced, and that text has
/// no raw `<`, `>` or stray `&`. Returns the element names in document
/// order.
pub fn check_well_formed(svg: &str) -> Vec<String> {
    let mut stack: Vec<String> = Vec::new();
    let mut names = Vec::new();
    let mut roots = 0;
    let mut rest = svg;
    while let Some(start) = rest.find('<') {
        check_text(&rest[..start]);
        let after = &rest[start + 1..];
        let end = find_tag_end(after);
        let tag = &after[..end];
        rest = &after[end + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            let open = stack.pop().unwrap_or_else(|| panic!("unmatched </{name}>"));
            assert_eq!(open, name, "mismatched close tag");
            continue;
        }
        let self_closing = tag.ends_with('/');
        let body = tag.trim_end_matches('/');
        let name = body.split_whitespace().next().unwrap().to_string();
        assert!(name.chars().all(|c| c.is_ascii_alphanumeric()), "bad name {name}");
        assert_eq!(body.matches('"').count() % 2, 0, "unbalanced quotes in <{body}>");
        if stack.is_empty() {
            roots += 1;
        }
        names.push(name.clone());
        if !self_closing {
            stack.push(name);
        }
    }
    check_text(rest);
    assert!(stack.is_empty(), "unclosed: {stack:?}");
    assert_eq!(roots, 1, "one root element");
    assert_eq!(names.first().map(String::as_str), Some("svg"));
    names
}

/// Index of the `>` ending a tag, skipping `>` inside quoted attributes
/// (the writer escapes them anyway).
fn find_tag_end(s: &str) -> usize {
    let mut in_quote = false;
    for (i, c) in s.char_indices() {
        match c {
            '"' => in_quote = !in_quote,
            '>' if !in_quote => return i,
            '<' if !in_quote => panic!("raw < inside a tag"),
            _ => {}
        }
    }
    panic!("unterminated tag")
}

fn check_text(text: &str) {
    assert!(!text.contains('>'), "raw > in text: {text}");
    for (i, _) in text.match_indices('&') {
        let ent = &text[i..];
        assert!(
            ["&amp;", "&lt;", "&gt;", "&quot;", "&apos;"].iter().any(|e| ent.starts_with(e)),
            "stray & in text: {text}"
        );
    }
}

/// Every numeric value of a positional attribute, as `(attribute, value)`.
pub fn coordinates(svg: &str) -> Vec<(String, f64)> {
    let mut out = Vec::new();
    for attr in ["x", "y", "x1", "y1", "x2", "y2", "cx", "cy"] {
        let needle = format!(" {attr}=\"");
        for (i, _) in svg.match_indices(&needle) {
            let v = &svg[i + needle.len()..];
            let v = &v[..v.find('"').unwrap()];
            out.push((attr.to_string(), v.parse().unwrap()));
        }
    }
    let needle = " points=\"";
    for (i, _) in svg.match_indices(needle) {
        let v = &svg[i + needle.len()..];
        let v = &v[..v.find('"').unwrap()];
        for pair in v.split_whitespace() {
            let (x, y) = pair.split_once(',').unwrap();
            out.push(("x".into(), x.parse().unwrap()));
            out.push(("y".into(), y.parse().unwrap()));
        }
    }
    out
}

/// The `viewBox` width and height.
pub fn view_box(svg: &str) -> (f64, f64) {
    let i = svg.find("viewBox=\"").unwrap() + 9;
    let v: Vec<f64> = svg[i..svg[i..].find('"').unwrap() + i].split(' ').map(|p| p.parse().unwrap()).collect();
    (v[2], v[3])
}

/// Asserts the document is well formed, has the accessibility wiring, no
/// inline styles or scripts, no NaN/inf, and every coordinate inside the
/// viewBox.
pub fn check_chart(svg: &str) {
    check_well_formed(svg);
    for bad in ["NaN", "inf", "style=", "<script", "-0.0\""] {
        assert!(!svg.contains(bad), "found {bad}");
    }
    assert!(svg.contains("role=\"img\""));
    assert!(svg.contains("width=\"100%\""));
    let i = svg.find("aria-labelledby=\"").unwrap() + 17;
    let ids = &svg[i..i + svg[i..].find('"').unwrap()];
    for id in ids.split(' ') {
        assert_eq!(svg.matches(&format!(" id=\"{id}\"")).count(), 1, "id {id}");
    }
    let (w, h) = view_box(svg);
    for (attr, v) in coordinates(svg) {
        let limit = if attr.starts_with('x') || attr == "cx" { w } else { h };
        assert!((0.0..=limit).contains(&v), "{attr}={v} outside 0..{limit}");
    }
}

/// The text of the `<desc>` element (still escaped).
pub fn desc(svg: &str) -> &str {
    let i = svg.find("<desc").unwrap();
    let start = i + svg[i..].find('>').unwrap() + 1;
    let end = svg.find("</desc>").unwrap();
    &svg[start..end]
}
