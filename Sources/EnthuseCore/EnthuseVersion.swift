public enum EnthuseVersion { public static let current = "0.1.0" }
