fn main() {
    std::process::exit(shipcast::cli::main());
}
