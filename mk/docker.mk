# mk/docker.mk — container targets, included by the top-level Makefile.
#   make docker-test     build the image and test it in a private Docker engine
#   make docker-config   check docker-compose.yml and docker-compose.cluster.yml
#                        with docker-compose 1.29
#   JOBD_DOCKER_CLUSTER=1 make docker-test   also bring up the 3-node cluster
#                        (tests/docker/cluster.sh; =only runs just that)
# Engine state and the cached base image live in $(JOBD_DOCKER_CACHE).

JOBD_DOCKER_CACHE ?= /var/cache/jobd-docker

.PHONY: docker-test docker-config

docker-test:
	JOBD_DOCKER_CACHE=$(JOBD_DOCKER_CACHE) tests/docker/run.sh

docker-config:
	docker-compose -f docker-compose.yml config -q
	docker-compose -f docker-compose.cluster.yml config -q
