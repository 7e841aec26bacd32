import Launcher

// The `hsae` executable: every command lives in the Launcher library (Sources/Launcher).
HSAECommand.main()
