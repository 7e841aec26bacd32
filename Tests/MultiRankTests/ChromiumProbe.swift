import Foundation
import XCTest

/// Loads a local page in headless Chromium and reports what it did: the DOM after its scripts
/// ran, and every request the page itself started (from Chromium's net log, leaving out the
/// browser's own background traffic, whose initiator is "not an origin"). Chromium runs with a
/// proxy on a dead local port, so a remote request could not succeed anyway; the net log shows
/// whether one was attempted.
enum ChromiumProbe {
    static func browser() throws -> String {
        guard let path = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first(where: FileManager.default.isExecutableFile) else {
            throw XCTSkip("chromium is not installed (apt-get install chromium)")
        }
        return path
    }

    struct Visit {
        let dom: String
        /// URLs of requests the page started (scheme included).
        let pageRequests: [String]
        /// The `#selftest` element's JSON, when the page wrote one.
        var selftest: [String: Any]? {
            guard let start = dom.range(of: "<pre id=\"selftest\">"), let end = dom.range(of: "</pre>", range: start.upperBound..<dom.endIndex) else { return nil }
            let text = String(dom[start.upperBound..<end.lowerBound]).replacingOccurrences(of: "&quot;", with: "\"")
                .replacingOccurrences(of: "&amp;", with: "&")
            return (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
        }
    }

    /// `windowSize`: Chromium's `--window-size` (width, height), or its default.
    static func visit(_ url: String, windowSize: (Int, Int)? = nil) throws -> Visit {
        let browser = try browser()
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("hsae-chromium-\(UUID())").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let netLog = work + "/net.json"
        let out = try Harness.run(browser, ["--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=" + work + "/profile",
                                            "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
                                            "--disable-background-networking", "--no-first-run", "--log-net-log=" + netLog,
                                            "--virtual-time-budget=5000"] + (windowSize.map { ["--window-size=\($0.0),\($0.1)"] } ?? [])
                                            + ["--dump-dom", url], timeout: 120)
        XCTAssertEqual(out.status, 0, "chromium: \(out.stderr.suffix(2000))")
        let data = try Data(contentsOf: URL(fileURLWithPath: netLog))
        let log = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let constants = try XCTUnwrap(log["constants"] as? [String: Any])
        let types = try XCTUnwrap(constants["logEventTypes"] as? [String: Int])
        let start = try XCTUnwrap(types["URL_REQUEST_START_JOB"])
        var requests: [String] = []
        for event in (log["events"] as? [[String: Any]]) ?? [] where event["type"] as? Int == start {
            guard let params = event["params"] as? [String: Any], let url = params["url"] as? String else { continue }
            if params["initiator"] as? String == "not an origin" { continue }  // the browser's own traffic
            requests.append(url)
        }
        return Visit(dom: out.stdout, pageRequests: requests)
    }

    /// Requests that would leave the machine (not file:, data:, blob: or loopback).
    static func remote(_ requests: [String]) -> [String] {
        requests.filter { url in
            let lower = url.lowercased()
            return !(lower.hasPrefix("file:") || lower.hasPrefix("data:") || lower.hasPrefix("blob:")
                     || lower.hasPrefix("http://127.0.0.1") || lower.hasPrefix("http://localhost"))
        }
    }
}
