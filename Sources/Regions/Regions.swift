// The Regions room: Felzenszwalb–Huttenlocher segmentation on RGB8 images (standard library only).
