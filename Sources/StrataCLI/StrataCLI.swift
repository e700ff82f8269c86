import ArgumentParser

public enum StrataMain {
    public static func run() {
        print("strata")
    }
}
