//! NumPy `.npy` (format 1.x, 2.x and 3.x), C order, little-endian or single-byte element types.
use super::{exact_f32, Array};

/// Parses a whole `.npy` file.
pub fn parse(bytes: &[u8]) -> Result<Array, String> {
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err("not a .npy file (bad magic)".into());
    }
    let (header_len, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 if bytes.len() >= 12 => (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        ),
        v => return Err(format!("unsupported .npy version {v}")),
    };
    let header = bytes
        .get(start..start + header_len)
        .ok_or("truncated .npy header")?;
    let header = std::str::from_utf8(header).map_err(|_| "the .npy header is not text")?;
    let descr = field(header, "descr").ok_or("the .npy header has no 'descr'")?;
    let descr = descr.trim_matches(|c| c == '\'' || c == '"');
    if field(header, "fortran_order").map(str::trim) != Some("False") {
        return Err("only C-ordered arrays are supported (fortran_order must be False)".into());
    }
    let shape_text = header
        .split("'shape':")
        .nth(1)
        .and_then(|s| s.split_once('('))
        .and_then(|(_, s)| s.split_once(')'))
        .ok_or("the .npy header has no shape")?
        .0;
    let shape = shape_text
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<usize>()
                .map_err(|_| format!("bad dimension {s:?} in .npy shape"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let data = &bytes[start + header_len..];
    let count = shape
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .ok_or("shape is too large")?;
    let values = decode(descr, data, count)?;
    Ok(Array { shape, values })
}

fn field<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    let rest = header.split(&format!("'{name}':")).nth(1)?;
    Some(rest.split(',').next()?.trim())
}

fn decode(descr: &str, data: &[u8], count: usize) -> Result<Vec<f32>, String> {
    let size = match &descr[1.min(descr.len())..] {
        "f4" | "i4" | "u4" => 4,
        "f8" | "i8" | "u8" => 8,
        "i2" | "u2" => 2,
        "i1" | "u1" | "b1" => 1,
        _ => {
            return Err(format!(
                "unsupported element type {descr:?} (use float32/64 or integers)"
            ))
        }
    };
    if size > 1 && !descr.starts_with('<') {
        return Err(format!("element type {descr:?} is not little-endian"));
    }
    if data.len() != count * size {
        return Err(format!(
            "data has {} bytes, the shape needs {} ({} x {size})",
            data.len(),
            count * size,
            count
        ));
    }
    data.chunks_exact(size)
        .map(|c| {
            let v = match &descr[1..] {
                "f4" => return Ok(f32::from_le_bytes(c.try_into().unwrap())),
                "f8" => f64::from_le_bytes(c.try_into().unwrap()),
                "i4" => i32::from_le_bytes(c.try_into().unwrap()) as f64,
                "u4" => u32::from_le_bytes(c.try_into().unwrap()) as f64,
                "i8" => i64::from_le_bytes(c.try_into().unwrap()) as f64,
                "u8" => u64::from_le_bytes(c.try_into().unwrap()) as f64,
                "i2" => i16::from_le_bytes(c.try_into().unwrap()) as f64,
                "u2" => u16::from_le_bytes(c.try_into().unwrap()) as f64,
                "i1" => c[0] as i8 as f64,
                _ => c[0] as f64,
            };
            exact_f32(v)
        })
        .collect()
}

/// Writes a float32 `.npy` file (tests, `spec new` examples).
pub fn encode_f32(shape: &[usize], values: &[f32]) -> Vec<u8> {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    let shape_text = if dims.len() == 1 {
        format!("{},", dims[0])
    } else {
        dims.join(", ")
    };
    let mut header =
        format!("{{'descr': '<f4', 'fortran_order': False, 'shape': ({shape_text}), }}");
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    for v in values {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float32_arrays_round_trip() {
        let a = parse(&encode_f32(&[2, 3], &[1., 2., 3., 4., 5., 6.])).unwrap();
        assert_eq!(a.shape, vec![2, 3]);
        assert_eq!(a.values, vec![1., 2., 3., 4., 5., 6.]);
    }

    /// `bytes` with the first occurrence of `from` replaced by `to` (same length). Byte-wise,
    /// because an .npy file is not UTF-8: its magic starts with 0x93.
    fn replace_bytes(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
        let at = bytes.windows(from.len()).position(|w| w == from).expect("pattern present");
        let mut out = bytes.to_vec();
        out[at..at + from.len()].copy_from_slice(to);
        out
    }

    #[test]
    fn corrupted_npy_files_are_refused_with_a_reason() {
        let good = encode_f32(&[2, 2], &[1., 2., 3., 4.]);
        assert!(parse(&good[..good.len() - 1])
            .unwrap_err()
            .contains("bytes"));
        assert!(parse(&good[..5]).unwrap_err().contains("magic"));
        let text = replace_bytes(&good, b"<f4", b">f4");
        assert!(parse(&text).unwrap_err().contains("little-endian"));
        let text = replace_bytes(&good, b"<f4", b"<c8");
        assert!(parse(&text).unwrap_err().contains("unsupported"));
        let text = replace_bytes(&good, b"False", b"True ");
        assert!(parse(&text).unwrap_err().contains("C-ordered"));
    }
}
