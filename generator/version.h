/* version.h — the rprotoc version, printed by --version and written into generated banners. */
#ifndef RPROTOC_VERSION_H
#define RPROTOC_VERSION_H

#define RPROTOC_VERSION "0.1.0"

#endif /* RPROTOC_VERSION_H */
