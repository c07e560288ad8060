#include "plugin/internal/fake_file_system.h"

#include <cerrno>
#include <utility>

#include "plugin/internal/padded_text.h"

namespace aiperf::plugin::internal {
namespace {

std::string parent_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
}

}  // namespace

FakeFileSystem::FakeFileSystem() { nodes_["/"] = Node{S_IFDIR, 0755, 0, {}, next_inode_++}; }

void FakeFileSystem::add(const std::string& path, Node node) {
  std::string parent = parent_of(path);
  if (!nodes_.count(parent)) add_directory(parent, 0755, node.owner);
  node.inode = next_inode_++;
  nodes_[path] = std::move(node);
}

void FakeFileSystem::add_directory(const std::string& path, mode_t mode, uid_t owner) {
  add(path, Node{S_IFDIR, mode, owner, {}, 0});
}

void FakeFileSystem::add_file(const std::string& path, std::string content, mode_t mode,
                              uid_t owner) {
  add(path, Node{S_IFREG, mode, owner, std::move(content), 0});
}

void FakeFileSystem::add_symlink(const std::string& path, std::string target, uid_t owner) {
  add(path, Node{S_IFLNK, 0777, owner, std::move(target), 0});
}

void FakeFileSystem::chmod(const std::string& path, mode_t mode) { nodes_.at(path).mode = mode; }

const FakeFileSystem::Node* FakeFileSystem::find(const std::string& path) const {
  auto it = nodes_.find(path);
  return it == nodes_.end() ? nullptr : &it->second;
}

void FakeFileSystem::fill(const Node& node, struct stat& st) const {
  st = {};
  st.st_mode = node.type | node.mode;
  st.st_uid = node.owner;
  st.st_ino = node.inode;
  st.st_dev = 1;
  st.st_size = static_cast<off_t>(node.content.size());
  st.st_nlink = 1;
}

int FakeFileSystem::lstat(const std::string& path, struct stat& st) const {
  const Node* node = find(path);
  if (!node) return ENOENT;
  fill(*node, st);
  return 0;
}

int FakeFileSystem::read_link(const std::string& path, std::string& target) const {
  const Node* node = find(path);
  if (!node) return ENOENT;
  if (node->type != S_IFLNK) return EINVAL;
  target = node->content;
  return 0;
}

int FakeFileSystem::list_directory(const std::string& dir, std::vector<std::string>& names) const {
  const Node* node = find(dir);
  if (!node) return ENOENT;
  if (node->type != S_IFDIR) return ENOTDIR;
  std::string prefix = dir == "/" ? "/" : dir + "/";
  for (auto it = nodes_.lower_bound(prefix); it != nodes_.end() && it->first.starts_with(prefix);
       ++it) {
    std::string rest = it->first.substr(prefix.size());
    if (!rest.empty() && rest.find('/') == std::string::npos) names.push_back(rest);
  }
  return 0;
}

int FakeFileSystem::read_file(const std::string& path, std::size_t max_bytes, PaddedText& text,
                              struct stat& st) const {
  ++reads_;
  const Node* node = find(path);
  if (!node) return ENOENT;
  if (node->type == S_IFLNK) return ELOOP;  // as O_NOFOLLOW
  if (node->type == S_IFDIR) return EISDIR;
  fill(*node, st);
  if (node->content.size() > max_bytes) return EFBIG;
  text.assign(node->content);
  return 0;
}

}  // namespace aiperf::plugin::internal
