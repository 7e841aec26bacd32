import Foundation

/// Writes the feature browser: `index.html`, `top/J.html` for every top latent and
/// `bottom/I.html` for every bottom latent — static files with inline style and script that open
/// from disk. The bytes depend only on the catalog and the data set, so any rank count that
/// produced the same catalog writes the same site.
public enum FeatureSite {
    public static let indexName = "index.html"

    public static func write(_ catalog: FeatureCatalog, to directory: String, data: ActivationDataset, truth: GroundTruth?,
                             context: RowContext?, facts: [(String, String)]) throws {
        let renderer = ExampleRenderer(data: data, context: context, truth: truth)
        let fm = FileManager.default
        for sub in ["top", "bottom"] {
            do {
                try fm.createDirectory(atPath: directory + "/" + sub, withIntermediateDirectories: true)
            } catch {
                throw HSAEError.io(path: directory + "/" + sub, message: "cannot create the site directory: \(error.localizedDescription)")
            }
        }
        let page = LatentPage(catalog: catalog, renderer: renderer, truth: truth)
        for l in catalog.top + catalog.bottom {
            try AtomicFile.write(Data(page.html(l).utf8), to: directory + "/" + LatentPage.path(l.level, l.index))
        }
        let index = IndexPage(catalog: catalog, renderer: renderer, truth: truth, title: "HSAE feature browser", facts: facts)
        try AtomicFile.write(Data(index.html().utf8), to: directory + "/" + indexName)
    }
}
