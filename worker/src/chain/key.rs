//! The sr25519 key that signs a process's transactions: from a secret URI (`--suri`), or from
//! a node keystore (`--keystore-path`), the directory `mlchain-node key insert` writes, so an
//! operator keeps the worker's key the way they keep a validator's.
//!
//! A keystore file is named by its key type and public key in hex and holds the secret URI as
//! a JSON string; the keystore password, if any, is added to the URI as its `///password`.
use super::ChainError;
use std::path::Path;
use std::str::FromStr;
use subxt_signer::{sr25519::Keypair, SecretString, SecretUri};

/// Key type of worker and verifier keys in a keystore: `mlchain-node key insert --key-type mlcw`.
pub const KEY_TYPE: &[u8; 4] = b"mlcw";

/// The key of a secret URI: `//Alice` on a dev chain, or a mnemonic with optional
/// `//hard/soft` derivations and `///password`.
pub fn from_suri(suri: &str) -> Result<Keypair, ChainError> {
    let uri = SecretUri::from_str(suri).map_err(|e| ChainError::Suri(e.to_string()))?;
    Keypair::from_uri(&uri).map_err(|e| ChainError::Suri(e.to_string()))
}

/// The one [`KEY_TYPE`] key in the keystore directory `dir`, with the keystore's `password`.
pub fn from_keystore(dir: &Path, password: Option<&str>) -> Result<Keypair, ChainError> {
    let failed = |message: String| ChainError::Keystore { path: dir.to_path_buf(), message };
    let prefix = hex::encode(KEY_TYPE);
    let entries = std::fs::read_dir(dir).map_err(|e| failed(e.to_string()))?;
    let mut files = Vec::new();
    for entry in entries {
        let name = entry.map_err(|e| failed(e.to_string()))?.file_name().to_string_lossy().into_owned();
        if name.len() == 8 + 64 && name.starts_with(&prefix) && name.bytes().all(|b| b.is_ascii_hexdigit()) {
            files.push(name);
        }
    }
    files.sort();
    let file = match files.as_slice() {
        [one] => one,
        [] => {
            return Err(failed(format!(
                "no `mlcw` key: add one with `mlchain-node key insert --keystore-path {} --key-type mlcw --scheme sr25519`",
                dir.display()
            )))
        }
        many => return Err(failed(format!("{} `mlcw` keys ({}); keep one", many.len(), many.join(", ")))),
    };
    let text = std::fs::read_to_string(dir.join(file)).map_err(|e| failed(format!("{file}: {e}")))?;
    let suri: String = serde_json::from_str(&text).map_err(|e| failed(format!("{file}: not a keystore entry: {e}")))?;
    let mut uri = SecretUri::from_str(&suri).map_err(|e| failed(format!("{file}: {e}")))?;
    if let Some(password) = password {
        uri.password = Some(SecretString::from(password.to_owned()));
    }
    let pair = Keypair::from_uri(&uri).map_err(|e| failed(format!("{file}: {e}")))?;
    // The file name is the public key: a wrong password derives another key.
    if hex::encode(pair.public_key().0) != file[8..] {
        return Err(failed(format!("{file} does not derive its own public key: wrong password?")));
    }
    Ok(pair)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Written by `mlchain-node key insert --key-type mlcw --scheme sr25519 --suri //MlchainKeystoreTest`.
    fn keystore() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/keystore")
    }

    #[test]
    fn the_keystore_key_is_the_key_of_its_uri() {
        let from_keystore = from_keystore(&keystore(), None).unwrap();
        let from_uri = from_suri("//MlchainKeystoreTest").unwrap();
        assert_eq!(from_keystore.public_key().0, from_uri.public_key().0);
    }

    #[test]
    fn a_wrong_password_an_empty_or_a_crowded_keystore_is_a_readable_error() {
        let wrong = from_keystore(&keystore(), Some("hunter2")).err().unwrap().to_string();
        assert!(wrong.contains("wrong password") && wrong.contains("keystore"), "{wrong}");
        let empty = tempfile::tempdir().unwrap();
        let none = from_keystore(empty.path(), None).err().unwrap().to_string();
        assert!(none.contains("no `mlcw` key") && none.contains("key insert"), "{none}");
        let crowded = tempfile::tempdir().unwrap();
        for (suri, public) in [("//A", from_suri("//A").unwrap()), ("//B", from_suri("//B").unwrap())] {
            let name = format!("{}{}", hex::encode(KEY_TYPE), hex::encode(public.public_key().0));
            std::fs::write(crowded.path().join(name), format!("{suri:?}")).unwrap();
        }
        let two = from_keystore(crowded.path(), None).err().unwrap().to_string();
        assert!(two.contains("2 `mlcw` keys"), "{two}");
        assert!(from_suri("not a uri //").is_err());
    }
}
