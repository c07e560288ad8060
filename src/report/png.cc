#include "report/png.h"

#include <cairo.h>
#include <dlfcn.h>
#include <librsvg/rsvg.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <set>

namespace aiperf::report {
namespace {

// librsvg (with cairo, pango, glib and X11 behind it: some 60 libraries) is
// opened on first use, not linked: mapping and relocating them at start-up
// tripled the cost of every aiperf process (`--version`, `plugins list`).
#define AIPERF_RSVG_FUNCTIONS(X)                                                              \
  X(rsvg_handle_new_from_data) X(rsvg_handle_get_intrinsic_size_in_pixels)                    \
  X(rsvg_handle_render_document) X(g_error_free) X(g_object_unref) X(cairo_create)             \
  X(cairo_destroy) X(cairo_image_surface_create) X(cairo_image_surface_create_from_png)        \
  X(cairo_image_surface_get_data) X(cairo_image_surface_get_height)                            \
  X(cairo_image_surface_get_stride) X(cairo_image_surface_get_width) X(cairo_status_to_string) \
  X(cairo_surface_destroy) X(cairo_surface_flush) X(cairo_surface_status)                      \
  X(cairo_surface_write_to_png)

struct Rsvg {
#define AIPERF_DECLARE(f) decltype(&::f) f = nullptr;
  AIPERF_RSVG_FUNCTIONS(AIPERF_DECLARE)
#undef AIPERF_DECLARE
  std::string error;  // why it could not be opened; empty when it was
};

// librsvg's functions, resolved once (dlsym searches its dependencies too).
const Rsvg& rsvg() {
  static const Rsvg api = [] {
    Rsvg r;
    void* lib = ::dlopen("librsvg-2.so.2", RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) {
      r.error = std::string("cannot open librsvg (Debian: librsvg2-2): ") + ::dlerror();
      return r;
    }
#define AIPERF_RESOLVE(f)                                                  \
  r.f = reinterpret_cast<decltype(r.f)>(::dlsym(lib, #f));                 \
  if (r.f == nullptr && r.error.empty()) r.error = "librsvg has no " #f;
    AIPERF_RSVG_FUNCTIONS(AIPERF_RESOLVE)
#undef AIPERF_RESOLVE
    return r;
  }();
  return api;
}

std::optional<Error> rsvg_missing() {
  if (rsvg().error.empty()) return std::nullopt;
  return make_error(ErrorCode::kInternal, rsvg().error);
}

struct SurfaceDeleter {
  void operator()(cairo_surface_t* s) const { rsvg().cairo_surface_destroy(s); }
};
using Surface = std::unique_ptr<cairo_surface_t, SurfaceDeleter>;

Expected<Surface> read_png(const std::filesystem::path& path) {
  if (auto missing = rsvg_missing()) return fail(std::move(*missing).in_file(path.string()));
  const Rsvg& api = rsvg();
  Surface surface(api.cairo_image_surface_create_from_png(path.c_str()));
  if (api.cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS) {
    return fail(make_error(ErrorCode::kMalformedInput, api.cairo_status_to_string(api.cairo_surface_status(surface.get())))
                    .in_file(path.string()));
  }
  return surface;
}

}  // namespace

std::optional<Error> write_png(const std::string& svg, const std::filesystem::path& path) {
  if (auto missing = rsvg_missing()) return std::move(*missing).in_file(path.string());
  const Rsvg& api = rsvg();
  GError* error = nullptr;
  RsvgHandle* handle = api.rsvg_handle_new_from_data(reinterpret_cast<const guint8*>(svg.data()), svg.size(), &error);
  if (handle == nullptr) {
    Error e = make_error(ErrorCode::kMalformedInput, error ? error->message : "librsvg could not parse the SVG");
    if (error) api.g_error_free(error);
    return std::move(e).in_file(path.string());
  }
  gdouble width = 0, height = 0;
  if (!api.rsvg_handle_get_intrinsic_size_in_pixels(handle, &width, &height)) width = 640, height = 360;
  Surface surface(api.cairo_image_surface_create(CAIRO_FORMAT_ARGB32, int(std::ceil(width)), int(std::ceil(height))));
  cairo_t* cr = api.cairo_create(surface.get());
  RsvgRectangle viewport{0, 0, width, height};
  const bool drawn = api.rsvg_handle_render_document(handle, cr, &viewport, &error);
  api.cairo_destroy(cr);
  api.g_object_unref(handle);
  if (!drawn) {
    Error e = make_error(ErrorCode::kInternal, error ? error->message : "librsvg could not render the SVG");
    if (error) api.g_error_free(error);
    return std::move(e).in_file(path.string());
  }
  if (auto status = api.cairo_surface_write_to_png(surface.get(), path.c_str()); status != CAIRO_STATUS_SUCCESS) {
    return make_error(ErrorCode::kIo, api.cairo_status_to_string(status)).in_file(path.string());
  }
  return std::nullopt;
}

Expected<std::pair<int, int>> png_size(const std::filesystem::path& path) {
  auto surface = read_png(path);
  if (!surface) return fail(std::move(surface.error()));
  const Rsvg& api = rsvg();
  return std::pair{api.cairo_image_surface_get_width(surface->get()), api.cairo_image_surface_get_height(surface->get())};
}

Expected<std::pair<double, std::size_t>> png_ink(const std::filesystem::path& path) {
  auto surface = read_png(path);
  if (!surface) return fail(std::move(surface.error()));
  const Rsvg& api = rsvg();
  cairo_surface_t* s = surface->get();
  api.cairo_surface_flush(s);
  const int w = api.cairo_image_surface_get_width(s), h = api.cairo_image_surface_get_height(s);
  const int stride = api.cairo_image_surface_get_stride(s);
  const unsigned char* data = api.cairo_image_surface_get_data(s);
  if (data == nullptr || w == 0 || h == 0) return std::pair{0.0, std::size_t{0}};
  std::set<uint32_t> colours;
  std::size_t ink = 0;
  for (int y = 0; y < h; ++y) {
    const auto* row = reinterpret_cast<const uint32_t*>(data + std::ptrdiff_t(y) * stride);
    for (int x = 0; x < w; ++x) {
      const uint32_t p = row[x];
      colours.insert(p);
      const unsigned r = (p >> 16) & 0xff, g = (p >> 8) & 0xff, b = p & 0xff;
      if (r < 240 || g < 240 || b < 240) ++ink;
    }
  }
  return std::pair{static_cast<double>(ink) / (double(w) * h), colours.size()};
}

}  // namespace aiperf::report
