//! CSV: a header row, one example per line, all columns numeric; the label column is named.
use super::Dataset;
use crate::error::{read_file, Error, Result};
use std::path::Path;

pub fn load(path: &Path, label_column: &str) -> Result<Result<Dataset, String>> {
    let bytes = read_file(path)?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| Error::data(path.display(), "file is not UTF-8 text"))?;
    Ok(parse(text, label_column))
}

pub fn parse(text: &str, label_column: &str) -> Result<Dataset, String> {
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let (_, header) = lines
        .next()
        .ok_or("file is empty (a header row is required)")?;
    let names: Vec<&str> = header.split(',').map(str::trim).collect();
    let label = names
        .iter()
        .position(|n| *n == label_column)
        .ok_or_else(|| {
            format!(
                "no column named {label_column:?}; columns are {}",
                names.join(", ")
            )
        })?;
    if names.len() < 2 {
        return Err("need at least one feature column besides the label".into());
    }
    let (mut features, mut labels) = (Vec::new(), Vec::new());
    for (i, line) in lines {
        let cells: Vec<&str> = line.split(',').map(str::trim).collect();
        if cells.len() != names.len() {
            return Err(format!(
                "line {}: {} columns, the header has {}",
                i + 1,
                cells.len(),
                names.len()
            ));
        }
        for (c, cell) in cells.iter().enumerate() {
            let v: f32 = cell.parse().map_err(|_| {
                format!(
                    "line {}, column {:?}: {cell:?} is not a number",
                    i + 1,
                    names[c]
                )
            })?;
            if c == label {
                labels.push(v);
            } else {
                features.push(v);
            }
        }
    }
    Dataset::new(vec![names.len() - 1], features, 1, labels)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_column_is_found_by_name_anywhere() {
        let d = parse("a,y,b\n1,0,2\n3,1,4\n", "y").unwrap();
        assert_eq!(d.features, vec![1., 2., 3., 4.]);
        assert_eq!(d.labels, vec![0., 1.]);
        assert_eq!(d.example_shape, vec![2]);
    }

    #[test]
    fn malformed_csv_gives_a_line_and_column() {
        assert!(parse("a,y\n1,0\n2\n", "y").unwrap_err().contains("line 3"));
        assert!(parse("a,y\n1,zero\n", "y").unwrap_err().contains("\"y\""));
        assert!(parse("a,b\n1,0\n", "y")
            .unwrap_err()
            .contains("no column named"));
        assert!(parse("", "y").is_err());
        assert!(parse("a,y\n", "y").unwrap_err().contains("no examples"));
        assert!(parse("a,y\nnan,1\n", "y").unwrap_err().contains("finite"));
    }
}
