package io.ringmesh.node.internal.admin;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The dashboard's static files, read from the class path once when the server starts. Only the
 * files named here are served; a request path never names a resource. Immutable.
 */
final class DashboardAssets {
  private static final String BASE = "/io/ringmesh/node/internal/admin/dashboard/";

  /** Request path to file name and content type. */
  private static final Map<String, String[]> FILES =
      Map.of(
          "/", new String[] {"index.html", "text/html; charset=utf-8"},
          "/index.html", new String[] {"index.html", "text/html; charset=utf-8"},
          "/dashboard.js", new String[] {"dashboard.js", "text/javascript; charset=utf-8"},
          "/dashboard.css", new String[] {"dashboard.css", "text/css; charset=utf-8"});

  /**
   * No inline script, no other origin: the page builds its DOM from API data with textContent, and
   * this keeps it that way.
   */
  private static final Map<String, String> HEADERS =
      Map.of(
          "Content-Security-Policy",
          "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
          "X-Content-Type-Options",
          "nosniff",
          "Cache-Control",
          "no-cache");

  record Asset(String contentType, byte[] body, Map<String, String> headers) {}

  private final Map<String, Asset> assets;

  private DashboardAssets(Map<String, Asset> assets) {
    this.assets = assets;
  }

  /** Reads every file; fails if one is missing from the class path. */
  static DashboardAssets load() {
    Map<String, Asset> loaded = new java.util.HashMap<>();
    FILES.forEach(
        (path, file) -> {
          try (InputStream in = DashboardAssets.class.getResourceAsStream(BASE + file[0])) {
            if (in == null) {
              throw new IllegalStateException(
                  "dashboard resource " + BASE + file[0] + " is missing");
            }
            loaded.put(path, new Asset(file[1], in.readAllBytes(), HEADERS));
          } catch (IOException e) {
            throw new UncheckedIOException("cannot read dashboard resource " + file[0], e);
          }
        });
    return new DashboardAssets(Map.copyOf(loaded));
  }

  @Nullable Asset get(String path) {
    return assets.get(path);
  }

  static boolean isAsset(String path) {
    return FILES.containsKey(path);
  }
}
