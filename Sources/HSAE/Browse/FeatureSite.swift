import Foundation

/// Writes the feature browser: `index.html` and `NAME/I.html` for every latent I of every layer
/// NAME (the HSAE: `top/J.html`, `bottom/I.html`) — static files with inline style and script that open
/// from disk. The bytes depend only on the catalog and the data set, so any rank count that
/// produced the same catalog writes the same site.
public enum FeatureSite {
    public static let indexName = "index.html"

    public static func write(_ catalog: FeatureCatalog, to directory: String, data: ActivationDataset, truth: GroundTruth?,
                             context: RowContext?, facts: [(String, String)]) throws {
        let renderer = ExampleRenderer(data: data, context: context, truth: truth)
        let fm = FileManager.default
        for sub in catalog.displayLayers.map(\.name) {
            do {
                try fm.createDirectory(atPath: directory + "/" + sub, withIntermediateDirectories: true)
            } catch {
                throw HSAEError.io(path: directory + "/" + sub, message: "cannot create the site directory: \(error.localizedDescription)")
            }
        }
        let page = LatentPage(catalog: catalog, renderer: renderer, truth: truth)
        for l in catalog.displayLayers.flatMap({ catalog.latents[$0.index] }) {
            try AtomicFile.write(Data(page.html(l).utf8), to: directory + "/" + LatentPage.path(catalog.layers[l.layer], l.index))
        }
        let index = IndexPage(catalog: catalog, renderer: renderer, truth: truth, title: "HSAE feature browser", facts: facts)
        try AtomicFile.write(Data(index.html().utf8), to: directory + "/" + indexName)
    }
}
