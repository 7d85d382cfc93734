use clap::Parser;

fn main() {
    let cli = mlchain_worker::cli::Cli::parse();
    match mlchain_worker::cli::run(cli) {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
