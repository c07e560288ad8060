#include "report/png.h"

#include <cairo.h>
#include <librsvg/rsvg.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <set>

namespace aiperf::report {
namespace {

struct SurfaceDeleter {
  void operator()(cairo_surface_t* s) const { cairo_surface_destroy(s); }
};
using Surface = std::unique_ptr<cairo_surface_t, SurfaceDeleter>;

Expected<Surface> read_png(const std::filesystem::path& path) {
  Surface surface(cairo_image_surface_create_from_png(path.c_str()));
  if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS) {
    return fail(make_error(ErrorCode::kMalformedInput, cairo_status_to_string(cairo_surface_status(surface.get())))
                    .in_file(path.string()));
  }
  return surface;
}

}  // namespace

std::optional<Error> write_png(const std::string& svg, const std::filesystem::path& path) {
  GError* error = nullptr;
  RsvgHandle* handle = rsvg_handle_new_from_data(reinterpret_cast<const guint8*>(svg.data()), svg.size(), &error);
  if (handle == nullptr) {
    Error e = make_error(ErrorCode::kMalformedInput, error ? error->message : "librsvg could not parse the SVG");
    if (error) g_error_free(error);
    return std::move(e).in_file(path.string());
  }
  gdouble width = 0, height = 0;
  if (!rsvg_handle_get_intrinsic_size_in_pixels(handle, &width, &height)) width = 640, height = 360;
  Surface surface(cairo_image_surface_create(CAIRO_FORMAT_ARGB32, int(std::ceil(width)), int(std::ceil(height))));
  cairo_t* cr = cairo_create(surface.get());
  RsvgRectangle viewport{0, 0, width, height};
  const bool drawn = rsvg_handle_render_document(handle, cr, &viewport, &error);
  cairo_destroy(cr);
  g_object_unref(handle);
  if (!drawn) {
    Error e = make_error(ErrorCode::kInternal, error ? error->message : "librsvg could not render the SVG");
    if (error) g_error_free(error);
    return std::move(e).in_file(path.string());
  }
  if (auto status = cairo_surface_write_to_png(surface.get(), path.c_str()); status != CAIRO_STATUS_SUCCESS) {
    return make_error(ErrorCode::kIo, cairo_status_to_string(status)).in_file(path.string());
  }
  return std::nullopt;
}

Expected<std::pair<int, int>> png_size(const std::filesystem::path& path) {
  auto surface = read_png(path);
  if (!surface) return fail(std::move(surface.error()));
  return std::pair{cairo_image_surface_get_width(surface->get()), cairo_image_surface_get_height(surface->get())};
}

Expected<std::pair<double, std::size_t>> png_ink(const std::filesystem::path& path) {
  auto surface = read_png(path);
  if (!surface) return fail(std::move(surface.error()));
  cairo_surface_t* s = surface->get();
  cairo_surface_flush(s);
  const int w = cairo_image_surface_get_width(s), h = cairo_image_surface_get_height(s);
  const int stride = cairo_image_surface_get_stride(s);
  const unsigned char* data = cairo_image_surface_get_data(s);
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
