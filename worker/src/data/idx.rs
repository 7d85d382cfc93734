//! IDX, the MNIST format: two zero bytes, an element type, a rank, big-endian `u32` dimensions,
//! then big-endian data.
use super::{exact_f32, Array};

pub fn parse(bytes: &[u8]) -> Result<Array, String> {
    if bytes.len() < 4 || bytes[0] != 0 || bytes[1] != 0 {
        return Err("not an IDX file (it must start with two zero bytes) nor a .npy file".into());
    }
    let size = match bytes[2] {
        0x08 | 0x09 => 1,
        0x0B => 2,
        0x0C | 0x0D => 4,
        0x0E => 8,
        t => return Err(format!("unknown IDX element type 0x{t:02x}")),
    };
    let rank = bytes[3] as usize;
    let data_start = 4 + 4 * rank;
    let dims = bytes.get(4..data_start).ok_or("truncated IDX header")?;
    let shape: Vec<usize> = dims
        .chunks_exact(4)
        .map(|d| u32::from_be_bytes(d.try_into().unwrap()) as usize)
        .collect();
    let count = shape
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .ok_or("shape is too large")?;
    let data = &bytes[data_start..];
    if data.len() != count * size {
        return Err(format!(
            "data has {} bytes, the header's shape {shape:?} needs {}",
            data.len(),
            count * size
        ));
    }
    let values = data
        .chunks_exact(size)
        .map(|c| match bytes[2] {
            0x08 => Ok(c[0] as f32),
            0x09 => Ok(c[0] as i8 as f32),
            0x0B => Ok(i16::from_be_bytes([c[0], c[1]]) as f32),
            0x0C => exact_f32(i32::from_be_bytes(c.try_into().unwrap()) as f64),
            0x0D => Ok(f32::from_be_bytes(c.try_into().unwrap())),
            _ => Ok(f64::from_be_bytes(c.try_into().unwrap()) as f32),
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Array { shape, values })
}

/// Writes an unsigned-byte IDX file (tests).
pub fn encode_u8(shape: &[usize], values: &[u8]) -> Vec<u8> {
    let mut out = vec![0, 0, 0x08, shape.len() as u8];
    for d in shape {
        out.extend_from_slice(&(*d as u32).to_be_bytes());
    }
    out.extend_from_slice(values);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mnist_style_images_are_read() {
        let a = parse(&encode_u8(&[2, 2, 2], &[0, 1, 2, 3, 4, 5, 6, 255])).unwrap();
        assert_eq!(a.shape, vec![2, 2, 2]);
        assert_eq!(a.values[7], 255.0);
    }

    #[test]
    fn corrupted_idx_files_are_refused_with_a_reason() {
        let good = encode_u8(&[2, 3], &[1, 2, 3, 4, 5, 6]);
        assert!(parse(&good[..good.len() - 1])
            .unwrap_err()
            .contains("needs 6"));
        assert!(parse(&good[..6]).unwrap_err().contains("truncated"));
        let mut bad_type = good.clone();
        bad_type[2] = 0x42;
        assert!(parse(&bad_type).unwrap_err().contains("0x42"));
        assert!(parse(b"\x01\x00\x08\x01").is_err());
    }
}
