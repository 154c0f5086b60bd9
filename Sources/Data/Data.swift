// The Data room: image and tensor files, augmentation, batching.
